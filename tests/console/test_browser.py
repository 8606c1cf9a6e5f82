"""End to end in headless Chromium: a customer asks for a person, an agent works the conversation in the console.

The customer talks over the REST channel (reading pushed messages from its outbox); the agent uses the real
console page in Debian's Chromium, driven by Playwright.
"""

import time
from typing import Callable, List

from bot.knowledge import PROJECT_ROOT
from tests.conftest import Chat, response_text, texts
from tests.console.conftest import PASSWORD, nobody_online
from tests.media.pictures import picture

SCREENSHOTS = PROJECT_ROOT / "reports" / "e2e"


def eventually(check: Callable[[], List], timeout: float = 15) -> List:
    """Poll until `check` returns something (the customer's client polling its outbox)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError("nothing arrived in time")


def logged_in_page(browser, server_url: str, username: str, blocked: List[str], init_script: str = ""):
    """The console page after the agent logged in; confirmations accepted, CSP refusals collected in `blocked`."""
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    if init_script:
        page.add_init_script(init_script)
    page.on("dialog", lambda dialog: dialog.accept())  # "确认结束本次服务？"
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(f"{server_url}/console/")
    page.wait_for_url("**/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url("**/console/")
    return page


def test_a_customer_reaches_an_agent_and_comes_back_to_the_bot(browser, chat: Chat, new_agent):
    agent = new_agent(login=False)
    chat.say("你好")
    blocked: List[str] = []  # what the console's Content-Security-Policy refused, if anything
    page = logged_in_page(browser, chat.server.url, agent.username, blocked)

    chat.say("转人工")  # the agent is online: the customer waits live, and the queue updates on the open page
    assert chat.paused()
    ticket_id = chat.ticket().id
    page.click(f"#waiting-list li[data-ticket='{ticket_id}']")
    page.click("#claim")
    page.wait_for_selector(f"#mine-list li[data-ticket='{ticket_id}']")
    page.fill("#reply-text", "您好，我是人工客服，请问有什么可以帮您？")
    page.press("#reply-text", "Enter")

    pushed = eventually(lambda: [m for m in chat.outbox() if "我是人工客服" in m.get("text", "")])
    assert pushed[0]["text"] == "您好，我是人工客服，请问有什么可以帮您？"
    assert "已接入" in texts(chat.outbox())

    assert chat.say("路由器每天晚上都会断网") == []  # the bot is quiet: the agent answers
    page.wait_for_selector("#history li.customer:has-text('路由器每天晚上都会断网')")  # live, no reload
    page.wait_for_selector("#suggestions button")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-handoff.png"))

    page.click("#close")
    page.wait_for_selector("#conv-meta:has-text('已结束')")
    closing = texts(eventually(lambda: [m for m in chat.outbox() if m.get("buttons")]))
    assert response_text("utter_ask_service_rating") in closing
    assert not chat.paused()

    assert "保修" in texts(chat.say("保修期多久"))  # the bot answers again
    assert texts(chat.say("5分")) == response_text("utter_rating_thanks").replace("{rating}", "5")
    assert chat.ticket().rating == 5
    assert blocked == []
    page.close()


def test_an_agent_calls_back_a_message_left_overnight(browser, chat: Chat, new_agent):
    nobody_online(chat.server)
    chat.say("转人工")
    chat.say("麻烦明天上午给我回个电话")
    ticket_id = chat.ticket().id
    agent = new_agent(login=False)
    blocked: List[str] = []
    page = logged_in_page(browser, chat.server.url, agent.username, blocked)

    assert page.locator(f"#waiting-list li[data-ticket='{ticket_id}']").count() == 0  # not in the live queue

    # a customer asking on the website now (the agent is online) is told a place behind live customers only
    live_ahead = len([t for t in new_agent().get("/queue").json()["waiting"]])
    widget = browser.new_page(viewport={"width": 1000, "height": 760})
    widget.goto(f"{chat.server.url}/")
    widget.wait_for_selector(".tpw-panel .tpw-bot")
    widget.fill(".tpw-input", "转人工")
    widget.press(".tpw-input", "Enter")
    told = widget.locator(".tpw-bot .tpw-bubble:has-text('您当前排在第')").inner_text()
    assert f"第 {live_ahead + 1} 位" in told, told  # the message left overnight makes nobody wait
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(SCREENSHOTS / "widget-queue-position.png"))
    widget.fill(".tpw-input", "不用了")  # leaves the queue as it found it
    widget.press(".tpw-input", "Enter")
    widget.wait_for_selector(".tpw-bot .tpw-bubble:has-text('已为您取消人工服务')")
    widget.close()

    page.click(f"#messages-list li[data-ticket='{ticket_id}']")
    page.wait_for_selector("#callback-state:has-text('待回电')")
    page.wait_for_selector("#history li.customer:has-text('明天上午给我回个电话')")
    page.fill("#callback-note", "已电话联系，约好上门检测")
    page.click("#mark-called")
    page.wait_for_selector("#callback-state:has-text('已电话联系，约好上门检测')")
    page.wait_for_selector(f"#messages-list li[data-ticket='{ticket_id}']:has-text('已回电')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-messages-left.png"))

    page.click("#close-message")
    page.wait_for_selector("#conv-meta:has-text('已结束')")
    assert page.locator("#callback-form").is_hidden()
    closing = texts(eventually(lambda: [m for m in chat.outbox() if m.get("buttons")]))
    assert response_text("utter_ask_service_rating") in closing and not chat.paused()
    assert page.locator(f"#messages-list li[data-ticket='{ticket_id}']").count() == 0
    assert blocked == []
    page.close()


def test_an_agent_finds_a_closed_conversation_by_its_order_number(browser, chat: Chat, new_agent, ids):
    agent = new_agent()
    chat.say("转人工")
    ticket_id = chat.ticket().id
    assert agent.post(f"/tickets/{ticket_id}/claim").status_code == 200
    chat.say(f"订单 {ids.shipped} 还没到，麻烦查一下")
    assert agent.post(f"/tickets/{ticket_id}/reply", {"text": "已为您联系快递，明天送达"}).status_code == 200
    assert agent.post(f"/tickets/{ticket_id}/close").status_code == 200
    assert chat.say("5") and chat.ticket().rating == 5

    blocked: List[str] = []
    page = logged_in_page(browser, chat.server.url, new_agent(login=False).username, blocked)  # a colleague
    page.fill("#history-q", ids.shipped.lower())
    page.click("#history-search")
    found = f"#history-list li[data-ticket='{ticket_id}']"
    page.wait_for_selector(found)
    assert "客服处理完毕" in page.inner_text(found)
    page.click(found)
    page.wait_for_selector(f"#conv-meta:has-text('#{ticket_id}')")
    page.wait_for_selector("#conv-meta:has-text('已结束')")
    page.wait_for_selector("#history li:has-text('已为您联系快递，明天送达')")
    page.wait_for_selector(f"#history li.customer:has-text('{ids.shipped}')")
    assert "客户评分 5/5" in page.inner_text("#conv-meta")
    assert page.locator("#reply-form").is_hidden()  # read-only
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-history.png"))

    page.fill("#history-q", "没有这个人-0000")
    page.click("#history-search")
    page.wait_for_selector("#history-total:has-text('没有找到')")
    assert blocked == []
    page.close()


def claimed_in_page(page, chat: Chat) -> int:
    """The customer asks for a person; the agent on `page` claims the conversation."""
    chat.say("转人工")
    ticket_id = chat.ticket().id
    page.click(f"#waiting-list li[data-ticket='{ticket_id}']")
    page.click("#claim")
    page.wait_for_selector(f"#mine-list li[data-ticket='{ticket_id}']")
    return ticket_id


def test_a_suggestion_is_inserted_and_edited_before_it_is_sent(browser, chat: Chat, new_agent):
    blocked: List[str] = []
    page = logged_in_page(browser, chat.server.url, new_agent(login=False).username, blocked)
    claimed_in_page(page, chat)
    chat.say("请问你们的保修期是多久")
    suggestion = page.locator("#suggestions button", has_text="插入：产品保修期是多久？")
    suggestion.wait_for()
    answer = suggestion.get_attribute("title")
    sent_before = len(chat.outbox())
    suggestion.click()
    assert page.input_value("#reply-text") == answer
    time.sleep(0.5)
    assert len(chat.outbox()) == sent_before  # inserted, not sent
    page.press("#reply-text", "Control+Home")  # the agent edits it: a greeting before the article
    page.keyboard.type("您好，")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-suggestion-edit.png"))
    page.press("#reply-text", "Enter")
    pushed = eventually(lambda: [m for m in chat.outbox() if m.get("text", "").startswith("您好，")])
    assert pushed[0]["text"] == "您好，" + answer
    eventually(lambda: page.input_value("#reply-text") == "")
    assert blocked == []
    page.close()


def test_a_supervisor_adds_a_quick_reply_and_it_is_used_with_slash(browser, chat: Chat, supervisor):
    blocked: List[str] = []
    page = logged_in_page(browser, chat.server.url, supervisor.username, blocked)
    page.click("#manage-quick-replies")
    page.fill("#quick-reply-title", "   ")
    page.fill("#quick-reply-text", "内容")
    page.click("#quick-reply-save")
    page.wait_for_selector("#quick-reply-error:has-text('标题不能为空，且不超过 30 字')")
    title = f"上门服务{time.time_ns() % 10000:04d}"
    page.fill("#quick-reply-title", title)
    page.fill("#quick-reply-text", "您所在城市支持上门服务，工程师会在 1 个工作日内与您联系预约时间。")
    page.click("#quick-reply-save")
    page.wait_for_selector(f"#quick-replies-list li:has-text('{title}')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-quick-replies.png"))
    page.click("#quick-replies-done")

    claimed_in_page(page, chat)
    page.click("#reply-text")
    page.keyboard.type("/上门服务")
    page.wait_for_selector(f"#picker li.active:has-text('{title}')")
    page.screenshot(path=str(SCREENSHOTS / "console-quick-reply-picker.png"))
    page.keyboard.press("Enter")  # inserts the chosen one; a second Enter sends
    assert page.input_value("#reply-text") == "您所在城市支持上门服务，工程师会在 1 个工作日内与您联系预约时间。"
    assert page.locator("#picker").is_hidden()
    page.keyboard.press("Enter")
    pushed = eventually(lambda: [m for m in chat.outbox() if "上门服务" in m.get("text", "")])
    assert pushed[0]["text"] == "您所在城市支持上门服务，工程师会在 1 个工作日内与您联系预约时间。"

    page.click("#reply-text")
    page.keyboard.type("/没有这种快捷回复")
    page.wait_for_selector("#picker li.empty")
    page.keyboard.press("Escape")
    assert page.locator("#picker").is_hidden()
    assert blocked == []
    page.close()


# The operating system's notifications are not observable from a test: the page's Notification API is replaced by
# one that records what the console shows, with permission not yet given (the console asks once).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  constructor(title, options) { window.__notifications.push({ title, body: (options || {}).body }); }
  close() {}
};
window.Notification.permission = "default";
window.Notification.requestPermission = async () => (window.Notification.permission = "granted");
"""


def tab_title(page) -> str:
    """The title the console should show: how many conversations wait (other tests' too) or have unread messages."""
    count = page.locator("#waiting-list li").count() + page.locator("#mine-list li:has(.badge)").count()
    return f"({count}) TP 客服工作台" if count else "TP 客服工作台"


def notifications(page) -> List[dict]:
    return page.evaluate("window.__notifications")


def test_a_new_message_alerts_the_agent_with_a_notification_and_a_badge(browser, rasa_server, new_agent):
    first, second = Chat(rasa_server), Chat(rasa_server)
    agent = new_agent(login=False)
    blocked: List[str] = []
    page = logged_in_page(browser, rasa_server.url, agent.username, blocked, init_script=RECORD_NOTIFICATIONS)
    page.click("#enable-notifications")  # asked once, then the button goes
    page.wait_for_selector("#enable-notifications", state="hidden")

    first.say("我的摄像头夜视坏了")
    first.say("转人工")
    first_id = first.ticket().id
    page.wait_for_selector(f"#waiting-list li[data-ticket='{first_id}']:has-text('我的摄像头夜视坏了')")
    assert eventually(lambda: [n for n in notifications(page) if n["title"].startswith("新的排队会话")])[0]["body"] \
        == "我的摄像头夜视坏了"
    page.click(f"#waiting-list li[data-ticket='{first_id}']")
    page.click("#claim")
    page.wait_for_selector(f"#mine-list li[data-ticket='{first_id}']")

    second.say("转人工")
    second_id = second.ticket().id
    page.wait_for_selector(f"#waiting-list li[data-ticket='{second_id}']")
    page.click(f"#waiting-list li[data-ticket='{second_id}']")
    page.click("#claim")
    page.wait_for_selector(f"#mine-list li[data-ticket='{second_id}']")

    seen = len(notifications(page))
    first.say("晚上完全看不见，白天正常")  # to the conversation the agent is not looking at
    badge = f"#mine-list li[data-ticket='{first_id}'] .badge"
    page.wait_for_selector(f"{badge}:has-text('1')")
    page.wait_for_selector(f"#mine-list li[data-ticket='{first_id}']:has-text('晚上完全看不见，白天正常')")
    alert = eventually(lambda: notifications(page)[seen:])[0]
    assert alert["title"].endswith("发来新消息") and alert["body"] == "晚上完全看不见，白天正常"
    eventually(lambda: page.title() == tab_title(page) and "(" in page.title())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-alerts.png"))

    second.say("你好，在吗")  # the conversation on screen: no alert, no badge, it is read as it arrives
    page.wait_for_selector("#history li.customer:has-text('你好，在吗')")
    time.sleep(1.5)
    assert page.locator(f"#mine-list li[data-ticket='{second_id}'] .badge").count() == 0
    assert len(notifications(page)) == seen + 1

    page.click(f"#mine-list li[data-ticket='{first_id}']")  # opened: read, the badge and the count go
    page.wait_for_selector(badge, state="detached")
    eventually(lambda: page.title() == tab_title(page))
    assert page.locator("#mine-list .badge").count() == 0
    assert blocked == []
    page.close()


def test_an_agent_transfers_a_conversation_to_a_named_colleague(browser, chat: Chat, new_agent, supervisor):
    blocked: List[str] = []
    agent = new_agent(login=False)
    page = logged_in_page(browser, chat.server.url, agent.username, blocked)
    lead = logged_in_page(browser, chat.server.url, supervisor.username, blocked, init_script=RECORD_NOTIFICATIONS)
    lead.click("#enable-notifications")
    ticket_id = claimed_in_page(page, chat)
    page.fill("#tags-input", "退款 VIP")
    page.click("#save-tags")
    page.wait_for_selector("#tags .tag:has-text('VIP')")

    page.click("#transfer")
    page.wait_for_selector("#transfer-dialog[open]")
    lead_option = page.locator("#transfer-agent option", has_text="客服isor")  # the supervisor's display name
    assert lead_option.get_attribute("disabled") is None and "在线" in lead_option.inner_text()
    page.select_option("#transfer-agent", value=lead_option.get_attribute("value"))
    page.fill("#transfer-note", "客户要办理退款，订单已核实，请跟进")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-transfer.png"))
    page.click("#transfer-confirm")
    page.wait_for_selector(f"#mine-list li[data-ticket='{ticket_id}']", state="detached")
    assert page.locator("#transfer-dialog[open]").count() == 0

    # the colleague is told, finds it in their conversations with the note, and the customer hears the new name
    lead.wait_for_selector(f"#mine-list li[data-ticket='{ticket_id}']")
    assert eventually(lambda: [n for n in notifications(lead) if n["title"].startswith("同事转给您的会话")])
    lead.click(f"#mine-list li[data-ticket='{ticket_id}']")
    lead.wait_for_selector("#notes li.transfer:has-text('客户要办理退款，订单已核实，请跟进')")
    lead.wait_for_selector(f"#agents-list li:has-text('{'客服' + agent.username[-4:]}')")  # 客服状态, for supervisors
    lead.fill("#note-text", "已电话联系客户，今天办理")
    lead.click("#add-note")
    lead.wait_for_selector("#notes li.note:has-text('已电话联系客户，今天办理')")
    lead.screenshot(path=str(SCREENSHOTS / "console-transferred.png"))
    assert "已接入" in texts(eventually(lambda: [m for m in chat.outbox() if "isor 已接入" in m.get("text", "")]))
    lead.click("#close")
    lead.wait_for_selector("#conv-meta:has-text('已结束')")
    assert blocked == []
    page.close()
    lead.close()


def test_a_photo_sent_from_the_widget_appears_in_the_console(browser, rasa_server, new_agent, tmp_path):
    agent = new_agent(login=False)
    blocked: List[str] = []
    console = logged_in_page(browser, rasa_server.url, agent.username, blocked)
    widget = browser.new_page(viewport={"width": 1000, "height": 760})
    widget.goto(f"{rasa_server.url}/")
    widget.wait_for_selector(".tpw-panel .tpw-bot")
    widget.fill(".tpw-input", "摄像头夜视坏了，转人工")
    widget.press(".tpw-input", "Enter")
    widget.wait_for_selector(".tpw-status:has-text('正在为您转接人工客服')")
    conversation = widget.evaluate("localStorage.getItem('tp-widget-session-token')").split(".")[1]
    ticket = eventually(lambda: [t for t in new_agent().get("/queue").json()["waiting"]
                                 if t["conversation_id"] == conversation])[0]
    console.click(f"#waiting-list li[data-ticket='{ticket['id']}']")
    console.click("#claim")
    console.wait_for_selector(f"#mine-list li[data-ticket='{ticket['id']}']")

    photo = tmp_path / "night-vision.jpg"
    photo.write_bytes(picture("JPEG", size=(1280, 960), color=(30, 30, 60)))
    widget.set_input_files(".tpw-file", str(photo))  # the 图片 button's file input
    widget.wait_for_selector(".tpw-customer .tpw-image")
    console.wait_for_selector("#history li.customer .picture img")  # live, by the conversation's event stream
    assert console.eval_on_selector("#history li.customer .picture img", "img => img.naturalWidth") == 320
    full = console.get_attribute("#history li.customer .picture", "href")
    assert full.startswith("/console/api/media/")

    reply = tmp_path / "reset-button.png"
    reply.write_bytes(picture("PNG", size=(400, 300), color=(20, 140, 60)))
    console.set_input_files("#picture-file", str(reply))  # the agent answers with a picture
    widget.wait_for_selector(".tpw-agent .tpw-image")
    assert widget.eval_on_selector(".tpw-agent .tpw-image", "img => img.naturalWidth") > 0  # loaded from the server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.screenshot(path=str(SCREENSHOTS / "console-photo.png"))
    widget.screenshot(path=str(SCREENSHOTS / "widget-photo.png"))
    assert blocked == []
    widget.close()
    console.close()
