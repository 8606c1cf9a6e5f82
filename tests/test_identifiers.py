import pytest

from bot.identifiers import find_identifiers, mask_phone, normalize_identifier


@pytest.mark.parametrize(
    "kind, raw, expected",
    [
        ("order_id", "TP202611050017", "TP202611050017"),
        ("order_id", "tp202611050017", "TP202611050017"),
        ("order_id", "ＴＰ２０２６１１０５００１７", "TP202611050017"),
        ("order_id", "tp 2026 1105 0017", "TP202611050017"),
        ("order_id", "TP-2026-1105-0017", "TP202611050017"),
        ("order_id", "我的订单号是TP202611050017谢谢", "TP202611050017"),
        ("serial_number", "sn7k2m9q4x1b", "SN7K2M9Q4X1B"),
        ("serial_number", "ＳＮ７Ｋ２Ｍ９Ｑ４Ｘ１Ｂ", "SN7K2M9Q4X1B"),
        ("repair_id", "wx 2026 1103 42", "WX2026110342"),
        ("return_id", "TH2026110021", "TH2026110021"),
        ("complaint_id", "ts2026110008", "TS2026110008"),
        ("phone", "138 0013 8000", "13800138000"),
        ("phone", "138-0013-8000", "13800138000"),
        ("phone", "１３８００１３８０００", "13800138000"),
    ],
)
def test_normalize_accepts_what_customers_type(kind, raw, expected):
    assert normalize_identifier(kind, raw) == expected


@pytest.mark.parametrize(
    "kind, raw",
    [
        ("order_id", "TP2026110500"),  # too short
        ("order_id", "TP2026110500171"),  # too long
        ("order_id", "XP202611050017"),
        ("serial_number", "SN7K2M9Q4X"),
        ("repair_id", "TH2026110342"),  # a return id is not a repair id
        ("phone", "12800138000"),  # no mobile number starts with 12
        ("phone", "1380013800"),
        ("order_id", ""),
        ("order_id", None),
    ],
)
def test_normalize_rejects_malformed_values(kind, raw):
    assert normalize_identifier(kind, raw) is None


def test_normalize_rejects_ambiguous_text_with_two_values():
    assert normalize_identifier("order_id", "TP202611050017 或者 TP202611050018") is None


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        normalize_identifier("passport", "E12345678")


def test_find_identifiers_returns_spans_in_the_original_text():
    text = "订单ｔｐ２０２６１１０５００１７，手机138 0013 8000"
    found = find_identifiers(text)
    assert [(m.kind, m.value) for m in found] == [("order_id", "TP202611050017"), ("phone", "13800138000")]
    assert [text[m.start : m.end] for m in found] == ["ｔｐ２０２６１１０５００１７", "138 0013 8000"]


def test_adjacent_identifiers_stay_apart():
    found = find_identifiers("TP202611050017 13800138000")
    assert [m.value for m in found] == ["TP202611050017", "13800138000"]


def test_a_phone_number_inside_an_order_number_is_not_a_phone():
    assert [m.kind for m in find_identifiers("TP213800138000")] == ["order_id"]


def test_product_models_are_not_identifiers():
    assert find_identifiers("TL-WR886N 和 TL-XDR5430") == []


def test_mask_phone():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("138 0013 8000") == "138****8000"


def test_a_phone_tail_named_inside_a_message_is_found():
    from bot.identifiers import labelled_phone_tail

    assert labelled_phone_tail("订单号TP202611190078 手机尾号5678 怎么还不发货") == "5678"
    assert labelled_phone_tail("后四位是：１２３４") == "1234" and labelled_phone_tail("后4位 9999") == "9999"
    assert labelled_phone_tail("尾号123456") is None  # not a 4-digit tail
    assert labelled_phone_tail("TP202611190078 怎么还不发货") is None and labelled_phone_tail(None) is None


def test_a_mistyped_order_number_is_told_apart_from_a_valid_one_and_from_the_brand():
    from bot.identifiers import malformed_order_number

    assert malformed_order_number("订单TP20261105001 发货没") == "TP20261105001"
    assert malformed_order_number("tp 2026 1105 001") == "tp 2026 1105 001"
    assert malformed_order_number("TP202611050017") is None and malformed_order_number("TP-LINK路由器") is None
