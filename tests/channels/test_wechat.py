"""The WeChat channel on the real Rasa server: WeChat's XML, signatures, safe mode, retries, the 5-second rule."""

import asyncio
import base64
import random
import re
import time
import uuid
from typing import Dict, Optional

import httpx
import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels.wechat import (
    ASK_TO_TYPE,
    SUCCESS,
    WeChatChannel,
    WeChatOutput,
    _Client,
    fresh,
    render_buttons,
    valid_signature,
)
from bot.media.files import NOT_STORED
from tests.channels.fake_wechat import APP_ID, APP_SECRET, FakeWeChat
from tests.media.pictures import picture
from tests.conftest import WECHAT_AES_KEY, WECHAT_TOKEN, RasaServer, response_text


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatUser:
    """A follower of the official account, whose messages WeChat's servers post to the bot."""

    def __init__(self, server: RasaServer, openid: Optional[str] = None) -> None:
        self.server = server
        self.openid = openid or f"oTP{uuid.uuid4().hex[:20]}"
        self.crypto = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, APP_ID)

    def xml(self, msg_type: str, fields: str, msg_id: Optional[int] = None) -> str:
        msg_id_xml = "" if msg_type == "event" else f"<MsgId>{msg_id or random.randint(10**15, 10**16)}</MsgId>"
        return (f"<xml><ToUserName><![CDATA[gh_tp_service]]></ToUserName><FromUserName><![CDATA[{self.openid}]]>"
                f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
                f"{fields}{msg_id_xml}</xml>")

    def text(self, content: str, msg_id: Optional[int] = None) -> str:
        return self.xml("text", f"<Content><![CDATA[{content}]]></Content>", msg_id)

    def post(self, xml: str, aes: bool = False, timestamp: Optional[str] = None,
             signature: Optional[str] = None) -> httpx.Response:
        timestamp, nonce = timestamp or str(int(time.time())), uuid.uuid4().hex[:10]
        params: Dict[str, str] = {"timestamp": timestamp, "nonce": nonce, "openid": self.openid,
                                  "signature": signature or sign(WECHAT_TOKEN, timestamp, nonce)}
        body = xml
        if aes:
            body = self.crypto.encrypt_message(xml, nonce, timestamp)
            params.update(encrypt_type="aes", msg_signature=re.search(r"<MsgSignature><!\[CDATA\[(\w+)", body).group(1))
        return httpx.post(f"{self.server.url}/webhooks/wechat/webhook", params=params, content=body.encode(),
                          timeout=30)

    def reply(self, response: httpx.Response) -> str:
        """The passive reply's text ("" for `success`)."""
        assert response.status_code == 200, response.text
        if response.text == SUCCESS:
            return ""
        xml = response.text
        if "<Encrypt>" in xml:
            stamp = re.search(r"<TimeStamp>(\d+)</TimeStamp>", xml).group(1)
            nonce = re.search(r"<Nonce><!\[CDATA\[(\w+)\]\]>", xml).group(1)
            signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", xml).group(1)
            xml = self.crypto.decrypt_message(xml, signature, stamp, nonce)
        message = parse_message(xml)
        assert message.target == self.openid
        return message.content

    def say(self, content: str, aes: bool = False) -> str:
        return self.reply(self.post(self.text(content), aes=aes))


@pytest.fixture
def follower(rasa_server: RasaServer) -> WeChatUser:
    return WeChatUser(rasa_server)


def user_texts(server: RasaServer, openid: str):
    return [e["text"] for e in server.tracker(f"wx-{openid}")["events"] if e["event"] == "user"]


def test_wechatpys_public_signature_vector():
    assert valid_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "1410685589", "test")
    assert not valid_signature("test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "1410685589", "test")
    assert not fresh("1410685589") and fresh(str(int(time.time()) - 60)) and not fresh("soon")


def test_url_verification_echoes_only_for_a_valid_fresh_signature(rasa_server: RasaServer):
    url = f"{rasa_server.url}/webhooks/wechat/webhook"
    now, nonce = str(int(time.time())), "n0nce"
    good = {"signature": sign(WECHAT_TOKEN, now, nonce), "timestamp": now, "nonce": nonce, "echostr": "e4711"}
    assert httpx.get(url, params=good, timeout=30).text == "e4711"
    assert httpx.get(url, params={**good, "signature": "0" * 40}, timeout=30).status_code == 403
    stale = str(int(time.time()) - 3600)
    replayed = {**good, "timestamp": stale, "signature": sign(WECHAT_TOKEN, stale, nonce)}
    assert httpx.get(url, params=replayed, timeout=30).status_code == 403


def test_a_text_message_gets_a_passive_reply(follower: WeChatUser):
    assert "保修" in follower.say("保修期多久")
    assert user_texts(follower.server, follower.openid) == ["保修期多久"]


def test_safe_mode_round_trip(follower: WeChatUser):
    assert "保修" in follower.say("保修期多久", aes=True)


@pytest.mark.parametrize("forgery", ["signature", "timestamp", "msg_signature"])
def test_forged_or_replayed_requests_are_refused_and_not_processed(follower: WeChatUser, forgery: str):
    if forgery == "signature":
        reply = follower.post(follower.text("你好"), signature="0" * 40)
    elif forgery == "timestamp":
        old = str(int(time.time()) - 3600)
        reply = follower.post(follower.text("你好"), timestamp=old)
    else:
        body = follower.crypto.encrypt_message(follower.text("你好"), "nonce1", str(int(time.time())))
        now = str(int(time.time()))
        reply = httpx.post(f"{follower.server.url}/webhooks/wechat/webhook", content=body.encode(), timeout=30,
                           params={"timestamp": now, "nonce": "nonce1", "encrypt_type": "aes",
                                   "msg_signature": "0" * 40, "signature": sign(WECHAT_TOKEN, now, "nonce1")})
    assert reply.status_code == 403
    assert user_texts(follower.server, follower.openid) == []


def test_a_retried_message_is_answered_once(follower: WeChatUser, fake_wechat: FakeWeChat):
    xml = follower.text("保修期多久", msg_id=random.randint(10**15, 10**16))
    first = follower.reply(follower.post(xml))
    assert "保修" in first
    for _ in range(3):  # WeChat's retries
        assert follower.reply(follower.post(xml)) == ""
    assert user_texts(follower.server, follower.openid) == ["保修期多久"]
    assert fake_wechat.sent_to(follower.openid) == []  # nothing pushed either


def test_voice_with_and_without_recognition(follower: WeChatUser):
    recognised = follower.xml("voice", "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
                                       "<Recognition><![CDATA[保修期多久]]></Recognition>")
    assert "保修" in follower.reply(follower.post(recognised))
    silent = follower.xml("voice", "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format>")
    assert follower.reply(follower.post(silent)) == ASK_TO_TYPE


@pytest.mark.parametrize(
    "msg_type, fields, kind",
    [
        ("video", "<MediaId><![CDATA[v1]]></MediaId><ThumbMediaId><![CDATA[t1]]></ThumbMediaId>", "视频"),
        ("location", "<Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Scale>20</Scale>"
                     "<Label><![CDATA[广州市天河区]]></Label>", "位置"),
        ("link", "<Title><![CDATA[说明书]]></Title><Description><![CDATA[d]]></Description>"
                 "<Url><![CDATA[http://example.com/manual]]></Url>", "链接"),
    ],
)
def test_non_text_messages_get_a_polite_reply(follower: WeChatUser, msg_type: str, fields: str, kind: str):
    reply = follower.reply(follower.post(follower.xml(msg_type, fields)))
    assert f"已收到您发送的{kind}" in reply and "文字" in reply
    assert user_texts(follower.server, follower.openid) == []  # not a question for the bot


def test_subscribe_welcomes_and_buttons_become_numbered_options(follower: WeChatUser):
    welcome = follower.reply(follower.post(follower.xml("event", "<Event><![CDATA[subscribe]]></Event>")))
    assert welcome.startswith(response_text("utter_greet")) and "回复数字选择：\n1. 产品保修期是多久？" in welcome
    assert "保修" in follower.say("1")  # option 1 is the warranty question


def test_unsubscribe_and_menu_clicks(follower: WeChatUser):
    assert follower.reply(follower.post(follower.xml("event", "<Event><![CDATA[unsubscribe]]></Event>"))) == ""
    click = follower.xml("event", "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[/request_repair]]></EventKey>")
    assert follower.reply(follower.post(click)) == response_text("utter_ask_serial_number")


def test_render_buttons():
    assert render_buttons("请选择", [{"title": "退货", "payload": "退货"}, {"title": "换货", "payload": "换货"}]) == \
        "请选择\n\n回复数字选择：\n1. 退货\n2. 换货"


class _Message:
    type, source, id, content = "text", "oSLOW", 1, "你好"


@pytest.mark.parametrize("delay, passive", [(0.0, True), (0.6, False)])
def test_the_5_second_rule(fake_wechat: FakeWeChat, delay: float, passive: bool):
    """Within the budget the answer is the HTTP response; after it, `success` and a customer-service message."""
    openid = f"oSLOW{uuid.uuid4().hex[:8]}"
    channel = WeChatChannel(WECHAT_TOKEN, APP_ID, APP_SECRET, reply_budget=0.3)
    channel.client = _Client(APP_ID, APP_SECRET)
    channel.client.API_BASE_URL = fake_wechat.url

    async def process(message, sender, output, on_new_message, agent):
        await asyncio.sleep(delay)
        await output.send_text_message(sender, "第一条回复")
        await output.send_text_message(sender, "第二条回复")

    channel._process = process
    message = _Message()
    message.source = openid

    async def scenario():
        reply = await channel._answer_in_time(message, None, None)
        await asyncio.sleep(delay + 0.5)
        return reply

    reply = asyncio.run(scenario())
    if passive:
        assert reply == "第一条回复\n\n第二条回复" and fake_wechat.sent_to(openid) == []
    else:
        assert reply is None and fake_wechat.sent_to(openid) == ["第一条回复", "第二条回复"]


def test_customer_service_api_errors_are_reported_for_agents(fake_wechat: FakeWeChat):
    client = _Client(APP_ID, APP_SECRET)
    client.API_BASE_URL = fake_wechat.url
    with pytest.raises(RuntimeError, match="48 小时"):
        asyncio.run(WeChatOutput(client, pushing=True, strict=True).send_text_message("wx-expired-1", "您好"))
    asyncio.run(WeChatOutput(client, pushing=True).send_text_message("wx-quota-1", "您好"))  # the bot's: logged


def test_hand_off_on_wechat(follower: WeChatUser, fake_wechat: FakeWeChat, new_agent):
    agent = new_agent()  # online first: the customer waits live (with nobody online it is a message left)
    follower.say("转人工")
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == f"wx-{follower.openid}")
    assert ticket["channel"] == "微信公众号"
    fake_wechat.media["fault-photo-1"] = picture("JPEG", size=(640, 480))
    photo = follower.xml("image", "<PicUrl><![CDATA[http://mmbiz.example/fault.jpg]]></PicUrl>"
                                  "<MediaId><![CDATA[fault-photo-1]]></MediaId>")
    assert follower.reply(follower.post(photo)).startswith("消息已收到，客服接入后会第一时间查看")  # as for a text
    assert agent.post(f"/tickets/{ticket['id']}/claim").status_code == 200
    line = next(line for line in agent.get(f"/tickets/{ticket['id']}").json()["history"] if line.get("thumb"))
    assert agent.http.get(line["image"].removeprefix("/console")).content == fake_wechat.media["fault-photo-1"]
    assert agent.post(f"/tickets/{ticket['id']}/reply", {"text": "收到图片，我们来处理"}).status_code == 200
    assert fake_wechat.sent_to(follower.openid)[-1] == "收到图片，我们来处理"
    sent = agent.post(f"/tickets/{ticket['id']}/picture", {"data": base64.b64encode(picture("PNG")).decode()})
    assert sent.status_code == 200  # uploaded as temporary media, then an image message
    assert fake_wechat.images_to(follower.openid) == [picture("PNG")]


def test_a_photo_is_fetched_stored_and_answered(follower: WeChatUser, fake_wechat: FakeWeChat):
    fake_wechat.media["photo-2"] = picture("JPEG")
    photo = follower.xml("image", "<PicUrl><![CDATA[http://mmbiz.example/p.jpg]]></PicUrl>"
                                  "<MediaId><![CDATA[photo-2]]></MediaId>")
    assert follower.reply(follower.post(photo)) == response_text("utter_picture_received")
    assert user_texts(follower.server, follower.openid) == ["[图片]"]
    gone = follower.xml("image", "<PicUrl><![CDATA[http://mmbiz.example/p.jpg]]></PicUrl>"
                                 "<MediaId><![CDATA[expired-media]]></MediaId>")
    assert follower.reply(follower.post(gone)) == NOT_STORED  # WeChat no longer has it: said, nothing stored
    assert user_texts(follower.server, follower.openid) == ["[图片]"]


def test_an_agent_is_told_when_the_48_hour_window_has_passed(rasa_server: RasaServer, new_agent):
    follower = WeChatUser(rasa_server, openid=f"expired-{uuid.uuid4().hex[:8]}")
    agent = new_agent()
    follower.say("转人工")
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == f"wx-{follower.openid}")
    agent.post(f"/tickets/{ticket['id']}/claim")
    reply = agent.post(f"/tickets/{ticket['id']}/reply", {"text": "您好"})
    assert reply.status_code == 502 and "48 小时" in reply.json()["error"]
    assert "您好" in [line["text"] for line in agent.get(f"/tickets/{ticket['id']}").json()["history"]]  # kept


def test_missing_credentials_disable_the_channel_with_one_log_line(caplog):
    channel = WeChatChannel.from_credentials({"token": "t", "app_id": "", "app_secret": "", "aes_key": "",
                                              "api_url": "", "reply_budget": ""})
    with caplog.at_level("WARNING"):
        blueprint = channel.blueprint(lambda message: None)
    assert not channel.enabled and not blueprint._future_routes and channel.reply_budget == 4.0
    assert [r.message for r in caplog.records] == [
        "wechat: disabled (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET to enable it)"]


def test_an_unrecognised_voice_message_during_a_hand_off_is_kept_for_the_agent(follower: WeChatUser,
                                                                                fake_wechat: FakeWeChat, new_agent):
    agent = new_agent()
    follower.say("转人工")
    ticket = next(t for t in agent.get("/queue").json()["waiting"] if t["conversation_id"] == f"wx-{follower.openid}")
    agent.post(f"/tickets/{ticket['id']}/claim")
    fake_wechat.media["voice-1"] = b"#!AMR\n" + bytes(range(256)) * 20
    voice = follower.xml("voice", "<MediaId><![CDATA[voice-1]]></MediaId><Format><![CDATA[amr]]></Format>")
    assert follower.reply(follower.post(voice)) == ""  # the agent's: the bot says nothing
    line = next(line for line in agent.get(f"/tickets/{ticket['id']}").json()["history"] if line.get("audio"))
    assert (line["text"], line["audio_format"]) == ("[语音]", "amr")
    listened = agent.http.get(line["audio"].removeprefix("/console"))
    assert listened.content == fake_wechat.media["voice-1"] and listened.headers["content-type"] == "audio/amr"
    assert agent.http.get(line["audio"].removeprefix("/console") + "/thumb").status_code == 404
    fake_wechat.media["voice-2"] = b"not a recording"
    broken = follower.xml("voice", "<MediaId><![CDATA[voice-2]]></MediaId><Format><![CDATA[amr]]></Format>")
    assert follower.reply(follower.post(broken)) == ASK_TO_TYPE
    assert agent.post(f"/tickets/{ticket['id']}/close").status_code == 200
