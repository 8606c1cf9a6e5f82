"""bot.reading: follow-ups, a topic with its identifier, close entries, tone, other brands, two questions at once."""

from bot.reading import (CLOSE_KEY, CONTEXT_KEY, adopt_reading, answer_order, ask_when_close, better_with_previous,
                         close_entries, compound_parts, is_fragment, lookup_of_last_record, mark_upset, needs_previous,
                         other_brand, previous_reading, read_other_brand, sounds_upset, task_from_identifier,
                         task_when_readings_agree)


def parse(intent, entry=None, entities=(), confidence=0.9):
    data = {"text": "x", "intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
            "intent_ranking": [{"name": intent, "confidence": confidence}]}
    if entry:
        data["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{entry}"}}}
    return data


def test_fragments_lean_on_the_message_before():
    for text in ("那交换机呢", "网卡725n呢？？", "要是毛病比较复杂呢", "what about the switch", "还有退货呢"):
        assert is_fragment(text), text
    for text in ("我的路由器保修多久", "你们有上门服务吗", "那是一个很长很长的句子，说了很多很多的背景，并不只是一个追问而已呢"):
        assert not is_fragment(text), text


def test_unclear_messages_with_words_are_read_again_but_not_commands_or_noise():
    assert needs_previous("发邮件行不行", parse("nlu_fallback"))
    assert needs_previous("那交换机呢", parse("faq", "price_purchase"))
    assert not needs_previous("你们有上门服务吗", parse("faq", "onsite_service"))
    assert not needs_previous("/restart", parse("nlu_fallback"))
    assert not needs_previous("？？", parse("nlu_fallback"))


def test_the_combined_reading_is_taken_only_when_it_is_a_confident_question():
    fallback, warranty = parse("nlu_fallback"), parse("faq", "warranty_period")
    assert better_with_previous(fallback, warranty)
    assert better_with_previous(parse("faq", "price_purchase"), warranty)
    assert not better_with_previous(fallback, parse("nlu_fallback"))
    assert not better_with_previous(fallback, parse("greet"))
    assert not better_with_previous(warranty, warranty)  # nothing gained
    warranty_check = parse("check_warranty", entities=[{"entity": "serial_number", "value": "SN0Z2X4C6V8B"}])
    assert not better_with_previous(parse("faq", "processing_time"), warranty_check)  # a new question, not the task
    repair_number = parse("nlu_fallback", entities=[{"entity": "repair_id", "value": "WX2026110877"}])
    assert not better_with_previous(repair_number, warranty_check)  # the repair's number is not a warranty check
    assert better_with_previous(parse("nlu_fallback"), warranty_check)


def test_an_adopted_reading_keeps_the_customers_text_and_entities_and_remembers_the_context():
    alone = parse("nlu_fallback", entities=[{"entity": "product", "value": "TL-SG1008D"}])
    alone["text"] = "那交换机呢 sg1008d"
    combined = parse("faq", "warranty_period", entities=[{"entity": "product", "value": "TL-WR886N"}])
    adopted = adopt_reading(alone, combined, "886n保修几年 那交换机呢 sg1008d")
    assert adopted["text"] == "那交换机呢 sg1008d" and adopted["intent"]["name"] == "faq"
    assert adopted["response_selector"] == combined["response_selector"]
    assert adopted["entities"] == [{"entity": "product", "value": "TL-SG1008D"}]  # its own product wins
    assert previous_reading("那交换机呢 sg1008d", adopted) == "886n保修几年 那交换机呢 sg1008d"
    assert previous_reading("保修几年", {}) == "保修几年" and previous_reading(None, {}) is None
    assert CONTEXT_KEY in adopted


def test_a_question_with_its_tasks_identifier_becomes_the_task():
    order = [{"entity": "order_id", "value": "TP202611050017"}]
    assert task_from_identifier(parse("faq", "return_policy", order))["intent"]["name"] == "request_return"
    assert task_from_identifier(parse("faq", "item_not_received", order))["intent"]["name"] == "check_order_status"
    serial = [{"entity": "serial_number", "value": "SN7K2M9Q4X1B"}]
    assert task_from_identifier(parse("faq", "warranty_period", serial))["intent"]["name"] == "check_warranty"
    assert task_from_identifier(parse("faq", "warranty_period", order))["intent"]["name"] == "faq"  # no such task
    assert task_from_identifier(parse("faq", "invoice", order))["intent"]["name"] == "faq"
    assert task_from_identifier(parse("greet", entities=order))["intent"]["name"] == "greet"


def test_messages_are_cut_at_sentence_ends_connectives_and_list_numbers():
    assert compound_parts("我那个xdr5430保修几年？还有不满意的话几天内能退") == ["我那个xdr5430保修几年", "不满意的话几天内能退"]
    assert compound_parts("TP202611070032到哪了？另外能开发票不") == ["TP202611070032到哪了", "能开发票不"]
    assert compound_parts("两个问题 1.wdr5620保修多久 2.你们有上门服务吗")[-2:] == ["wdr5620保修多久", "你们有上门服务吗"]
    assert compound_parts("上个月买的摄像头，夜视很模糊，还能退吗？") == ["上个月买的摄像头，夜视很模糊，还能退吗"]
    assert compound_parts("/request_human") == []


def test_two_different_questions_are_answered_knowledge_first_and_one_task_last():
    warranty, returns, order = parse("faq", "warranty_period"), parse("faq", "return_policy"), parse("check_order_status")
    assert answer_order([warranty, returns]) == [0, 1]
    assert answer_order([order, parse("faq", "invoice")]) == [1, 0]
    assert answer_order([parse("greet"), warranty, returns]) == [1, 2]
    assert answer_order([parse("greet"), warranty]) is None  # one question
    assert answer_order([warranty, warranty]) is None  # the same question twice
    assert answer_order([order, parse("request_return")]) is None  # two forms: handled whole


def ranked(*confidences, intent="faq"):
    data = parse(intent, "return_policy")
    data["response_selector"]["faq"]["ranking"] = [
        {"intent_response_key": f"faq/{key}", "confidence": value}
        for key, value in zip(("return_policy", "warranty_exclusions", "return_process"), confidences)]
    return data


def test_a_question_between_two_entries_is_asked_back_with_both():
    split = ranked(0.45, 0.35, 0.1)
    assert close_entries(split) == ["faq/return_policy", "faq/warranty_exclusions"]
    asked = ask_when_close(split)
    assert asked["intent"]["name"] == "nlu_fallback" and asked[CLOSE_KEY] == close_entries(split)
    assert asked["intent_ranking"][1] == split["intent_ranking"][0]  # what the model said is kept
    assert "nlu_fallback" not in str(split)  # the original is not changed


def test_a_clear_first_entry_another_intent_or_no_likely_pair_is_not_asked_back():
    for clear in (ranked(0.62, 0.30), ranked(0.45, 0.25), ranked(0.9), ranked(0.45, 0.40, intent="request_return"),
                  ranked(0.25, 0.20, 0.15)):  # no entry likely at all: not a choice between two
        assert close_entries(clear) is None and ask_when_close(clear) is clear


def test_an_unclear_message_with_the_identifier_of_its_best_guess_starts_that_task():
    serial = [{"entity": "serial_number", "value": "SN3M5N7B9V1C"}]
    unclear = parse("nlu_fallback", entities=serial, confidence=0.7)
    unclear["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.7},
                                 {"name": "check_warranty", "confidence": 0.67}, {"name": "inform", "confidence": 0.29}]
    read = task_from_identifier(unclear)
    assert read["intent"] == {"name": "check_warranty", "confidence": 0.67} and read["entities"] == serial
    weak = dict(unclear, intent_ranking=[{"name": "nlu_fallback", "confidence": 0.7},
                                         {"name": "check_warranty", "confidence": 0.3}])
    assert task_from_identifier(weak)["intent"]["name"] == "inform"  # the number is routed by the conversation
    other = dict(unclear, entities=[{"entity": "order_id", "value": "TP202611050017"}])
    assert task_from_identifier(other)["intent"]["name"] == "inform"  # a warranty guess does not take an order number


def test_an_unclear_message_whose_best_guess_is_its_identifiers_topic_starts_the_task():
    order = [{"entity": "order_id", "value": "TP202611050017"}]
    unclear = parse("nlu_fallback", "item_not_received", entities=order, confidence=0.7)
    unclear["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "faq", "confidence": 0.54}]
    assert task_from_identifier(unclear)["intent"]["name"] == "check_order_status"
    no_number = dict(unclear, entities=[])
    assert task_from_identifier(no_number) is no_number


def test_upset_messages_are_marked():
    for text in ("呵呵 你们效率真高啊 一个月了快递还没到 TP202611050017", "垃圾产品！！！退钱！！！", "说好的三天修好呢",
                 "this is ridiculous, where is my order"):
        assert sounds_upset(text), text
        assert mark_upset({"text": text})["upset"] is True
    for text in ("帮我查一下订单", "保修期多久？", "谢谢！", "我的订单到哪了 TP202611050017"):
        assert not sounds_upset(text), text
        assert "upset" not in mark_upset({"text": text})


def test_an_unclear_message_whose_best_guess_is_giving_a_number_is_read_so():
    order = [{"entity": "order_id", "value": "TP202611150019"}]
    unclear = parse("nlu_fallback", entities=order, confidence=0.7)
    unclear["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "inform", "confidence": 0.54}]
    assert task_from_identifier(unclear)["intent"] == {"name": "inform", "confidence": 0.54}
    no_number = dict(unclear, entities=[])
    assert task_from_identifier(no_number) is no_number


def test_another_brands_device_is_out_of_scope_naming_the_brand():
    for text, brand in (("我的华为路由器坏了 你们能修吗", "华为"), ("小米的摄像头能保修不", "小米"),
                        ("can you fix my netgear router", "netgear")):
        assert other_brand(text) == brand, text
        read = read_other_brand(dict(parse("request_repair"), text=text))
        assert read["intent"]["name"] == "out_of_scope" and read["other_brand"] == brand
    for text in ("TP的路由器连不上华为手机", "TP-LINK 路由器比华为路由器好吗", "tp的路由器跟小米路由器能组网吗", "我的路由器坏了", "华为手机连不上wifi"):
        assert other_brand(text) is None, text
    assert read_other_brand(dict(parse("greet"), text="小米路由器你好")).get("other_brand") is None


def test_an_unclear_message_whose_task_and_faq_readings_agree_is_the_task():
    unclear = parse("nlu_fallback", "return_policy", confidence=0.7)
    unclear["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.7},
                                 {"name": "request_return", "confidence": 0.57}, {"name": "faq", "confidence": 0.40}]
    assert task_when_readings_agree(unclear)["intent"] == {"name": "request_return", "confidence": 0.57}
    other_topic = parse("nlu_fallback", "warranty_period", confidence=0.7)
    other_topic["intent_ranking"] = unclear["intent_ranking"]
    assert task_when_readings_agree(other_topic) is other_topic
    weak = dict(unclear, intent_ranking=[{"name": "nlu_fallback", "confidence": 0.7},
                                         {"name": "request_return", "confidence": 0.45}, {"name": "faq", "confidence": 0.4}])
    assert task_when_readings_agree(weak) is weak


def test_a_look_up_without_a_number_is_the_look_up_of_the_record_the_last_turns_named():
    tracking = parse("check_order_status")
    after_repair = [parse("inform", entities=[{"entity": "repair_id", "value": "WX2026111201"}])]
    assert lookup_of_last_record(tracking, after_repair)["intent"]["name"] == "check_repair_status"
    after_order = [parse("inform", entities=[{"entity": "order_id", "value": "TP202611050017"}])]
    assert lookup_of_last_record(tracking, after_order) is tracking
    assert lookup_of_last_record(tracking, []) is tracking
    named = parse("check_order_status", entities=[{"entity": "order_id", "value": "TP202611050017"}])
    assert lookup_of_last_record(named, after_repair) is named


def test_an_faq_question_is_marked_with_the_product_or_category_it_names():
    from bot.reading import NO_PRODUCT, PRODUCT_TOPIC, with_product_topic

    def topic(parsed):
        return [e["value"] for e in parsed["entities"] if e["entity"] == PRODUCT_TOPIC]

    model = {**parse("faq", "warranty_period", [{"entity": "product", "value": "TL-XDR5430"}]), "text": "5430保修几年"}
    assert topic(with_product_topic(model, [])) == ["TL-XDR5430"]
    category = {**parse("faq", "warranty_period"), "text": "无线网卡保几年"}
    assert topic(with_product_topic(category, [])) == ["adapter"]
    follow_up = {**parse("faq", "return_policy"), "text": "那退货呢 几天内"}
    assert topic(with_product_topic(follow_up, [category])) == []  # the slot keeps the adapter
    assert topic(with_product_topic(follow_up, [parse("faq"), parse("faq"), category])) == [NO_PRODUCT]
    english = {**parse("faq", "warranty_period"), "text": "how long is the warranty on the switch"}
    assert topic(with_product_topic(english, [])) == ["switch"]
    mesh = {**parse("faq", "return_policy"), "text": "can i return a mesh router"}
    assert topic(with_product_topic(mesh, [])) == ["mesh"]
    for text, expected in (("分布式路由器保修多久", "mesh"), ("电力线适配器退货几天", "powerline"),
                           ("路由器和交换机保修多久", NO_PRODUCT)):
        assert topic(with_product_topic({**parse("faq", "warranty_period"), "text": text}, [category])) == [expected]
    plain = {**parse("faq", "warranty_period"), "text": "i switched it on and off, is that covered"}
    assert topic(with_product_topic(plain, [])) == [NO_PRODUCT]
    task = {**parse("request_repair"), "text": "交换机坏了"}
    assert with_product_topic(task, []) == task  # only FAQ answers have product variations
