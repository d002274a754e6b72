from app.domain.rules.reports import HAND, MAIL, DeliveryFacts, delivery_list, delivery_method


def test_local_by_hand_out_of_town_by_mail():
    assert delivery_method("local") == HAND
    assert delivery_method("out_of_town") == MAIL
    assert delivery_method(None) == HAND


def test_checklist_order_one_entry_per_customer():
    rows = [
        DeliveryFacts(1, "甲公司", "out_of_town", city="苏州", owner="李丽"),
        DeliveryFacts(2, "乙公司", "local", city="深圳", owner="张强"),
        DeliveryFacts(3, "丙公司", "local", city="深圳", owner="李丽"),
        DeliveryFacts(2, "乙公司", "local", city="深圳", owner="张强"),  # two published ads: once
        DeliveryFacts(4, "丁公司", "out_of_town", city="上海", owner="李丽"),
    ]
    assert [(method, row.customer_id) for method, row in delivery_list(rows)] == [
        (HAND, 2), (HAND, 3), (MAIL, 4), (MAIL, 1)]  # hand by owner (张强 < 李丽 by code point), then mail by city
