"""Dialogue context over the REST webhook: a bare identifier continues the conversation's topic, and a number is a
rating only when a rating was asked (issue 15: "context is dropped")."""

from tests.conftest import Chat, response_text, texts


def test_an_order_number_after_a_parcel_question_looks_the_order_up(chat: Chat, ids):
    chat.say("我买的东西一直没收到货 咋回事")
    assert texts(chat.say(ids.shipped)) == response_text("utter_ask_phone_last4")
    reply = texts(chat.say("8000"))
    assert f"订单 {ids.shipped}" in reply and "SF1234567890" in reply


def test_an_order_number_after_the_return_policy_starts_the_return(chat: Chat, ids):
    chat.say("退换货有啥条件啊")
    assert texts(chat.say(ids.returnable)) == response_text("utter_ask_phone_last4")
    assert texts(chat.say("8000")) == response_text("utter_ask_return_kind")


def test_a_serial_number_after_a_warranty_question_checks_its_warranty(chat: Chat, ids):
    chat.say("你们的产品保修几年")
    reply = texts(chat.say(ids.device_in))
    assert ids.device_in in reply and "在保修期内" in reply


def test_a_bare_identifier_without_a_topic_is_looked_up(chat: Chat, ids):
    assert texts(chat.say(ids.shipped)) == response_text("utter_ask_phone_last4")


def test_a_phone_tail_is_never_a_rating_when_none_was_asked(chat: Chat):
    reply = texts(chat.say("8000"))
    assert reply == response_text("utter_ask_what_for")
    assert "评分" not in reply and "1-5" not in reply and "1–5" not in reply


def test_a_phone_number_where_the_order_number_was_asked_is_recognised(chat: Chat, ids):
    chat.say("帮我查下订单")
    reply = texts(chat.say(ids.zhang_phone))
    assert "手机号" in reply and "TP" in reply and response_text("utter_invalid_order_id") not in reply


def test_a_follow_up_fragment_is_read_with_the_question_before(chat: Chat):
    assert "TL-WR886N" in texts(chat.say("886n保修几年啊"))
    second = texts(chat.say("那交换机呢 我家那个sg1008d"))  # the warranty, not the price article it gets alone
    assert "TL-SG1008D" in second and "的保修期为 3 年" in second


def test_a_question_with_its_identifier_starts_the_task(chat: Chat, ids):
    assert texts(chat.say(f"退货要啥条件 {ids.returnable}")) == response_text("utter_ask_phone_last4")
    assert texts(chat.say("8000")) == response_text("utter_ask_return_kind")


def test_two_questions_in_one_message_get_both_answers_the_task_last(chat: Chat, ids):
    replies = chat.say(f"{ids.shipped}到哪了？另外能开发票不")
    assert "发票" in texts(replies[:-1])
    assert replies[-1]["text"] == response_text("utter_ask_phone_last4")
    assert "SF1234567890" in texts(chat.say("8000"))


def test_asking_for_a_person_in_so_many_words_wins_over_an_order_number(chat: Chat, ids):
    reply = texts(chat.say(f"退款半个月了还没到账 {ids.shipped} 帮我转个人工"))
    assert "人工" in reply and reply != response_text("utter_ask_phone_last4")


def test_a_phone_tail_given_with_the_order_number_is_checked_at_once(chat: Chat, ids):
    reply = texts(chat.say(f"订单号{ids.shipped} 手机尾号8000 怎么还不到"))
    assert f"订单 {ids.shipped}" in reply and "SF1234567890" in reply


def test_a_wrong_tail_given_with_the_order_number_counts_as_a_failed_check(chat: Chat, ids):
    reply = texts(chat.say(f"订单号{ids.shipped} 手机尾号1111 怎么还不到"))
    assert "SF1234567890" not in reply and reply != response_text("utter_ask_phone_last4")


def test_a_mistyped_order_number_that_starts_a_look_up_is_named_as_malformed(chat: Chat, ids):
    assert texts(chat.say("订单TP20261105001 发货没")) == response_text("utter_invalid_order_id")
    assert texts(chat.say(ids.shipped)) == response_text("utter_ask_phone_last4")


def test_a_person_asked_for_only_on_a_condition_gets_the_look_up_first(chat: Chat, ids):
    reply = texts(chat.say(f"我的维修单{ids.repair}啥情况了 要是还没修好我就直接找人工"))
    assert reply == response_text("utter_ask_phone_last4") and not chat.paused()


def test_an_angry_look_up_gets_an_apology_and_the_look_up(chat: Chat, ids):
    replies = chat.say(f"呵呵 你们效率真高啊 一个月了快递还没到 {ids.shipped}")
    assert replies[0]["text"] == response_text("utter_sorry_for_trouble")
    assert replies[-1]["text"] == response_text("utter_ask_phone_last4")
    assert "SF1234567890" in texts(chat.say("8000"))


def test_asking_for_the_tracking_number_after_the_order_card_shows_that_order_again(chat: Chat, ids):
    chat.say(f"{ids.shipped} 到哪了")
    assert "SF1234567890" in texts(chat.say("8000"))
    assert "SF1234567890" in texts(chat.say("快递单号多少"))  # the same order, its phone already checked


def test_an_unclear_message_with_an_order_number_is_looked_up(chat: Chat, ids):
    assert texts(chat.say(f"{ids.shipped} 这单是不是取消了")) == response_text("utter_ask_phone_last4")


def test_another_brands_device_is_told_that_only_tp_products_are_serviced(chat: Chat):
    reply = texts(chat.say("我的华为路由器坏了 你们能修吗"))
    assert reply.startswith("抱歉，我们只能为 TP 品牌的产品提供售后服务") and "华为" in reply


def test_asking_for_the_tracking_number_after_a_repairs_card_shows_that_repair_again(chat: Chat, ids):
    assert texts(chat.say(f"维修单{ids.repair}修好了吗")) == response_text("utter_ask_phone_last4")
    assert f"维修单 {ids.repair}" in texts(chat.say("8000"))
    assert f"维修单 {ids.repair}" in texts(chat.say("快递单号多少"))  # the repair, not an order; already checked


def test_a_question_naming_a_category_gets_that_categorys_answer_and_a_follow_up_keeps_it(chat: Chat):
    switch = texts(chat.say("交换机保几年"))
    assert switch.startswith("交换机的保修期为 3 年") and "1–3 年" not in switch
    adapter = texts(chat.say("网卡呢"))
    assert adapter.startswith("无线网卡的保修期为 1 年")
    assert texts(chat.say("那退货呢 几天内")).startswith("无线网卡的退换货期限为签收后 7 天")


def test_an_english_question_naming_a_category_gets_that_categorys_answer(chat: Chat):
    assert texts(chat.say("how long is the warranty on the switch")).startswith("交换机的保修期为 3 年")


def test_a_question_naming_a_model_gets_that_models_figures(chat: Chat):
    reply = texts(chat.say("xdr5430退货期几天"))
    assert "TL-XDR5430" in reply and "15 天" in reply and "7–30 天" not in reply


def test_a_question_naming_no_product_after_a_while_gets_the_general_answer(chat: Chat):
    chat.say("交换机保几年")
    chat.say("客服几点上班")
    chat.say("发票怎么开")
    assert texts(chat.say("保修期多久")).startswith("TP 产品的保修期根据产品类别而定")
