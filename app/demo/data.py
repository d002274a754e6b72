"""Pure generators of realistic Chinese demo data (no Flask, no database).

Everything takes a seeded ``random.Random`` or an index, so the same seed gives
the same data. The seeders in :mod:`app.demo.seed` turn these dicts into rows.
"""
import random
from datetime import date, timedelta

from app.domain.enums import CustomerSource
from app.domain.validation import CREDIT_CODE_ALPHABET, credit_code_check_char

HOME_CITY = "深圳"
PRINT_PUBLICATION = "华声商情广告"
WEB_PUBLICATION = "影音商务网"

# city, administrative division code (credit code digits 3-8), telephone area code
CITIES = [
    ("深圳", "440300", "0755"), ("广州", "440106", "020"), ("东莞", "441900", "0769"),
    ("佛山", "440604", "0757"), ("惠州", "441302", "0752"), ("中山", "442000", "0760"),
    ("珠海", "440402", "0756"), ("上海", "310115", "021"), ("北京", "110108", "010"),
    ("天津", "120116", "022"), ("重庆", "500103", "023"), ("杭州", "330106", "0571"),
    ("宁波", "330212", "0574"), ("苏州", "320505", "0512"), ("南京", "320105", "025"),
    ("厦门", "350206", "0592"), ("福州", "350102", "0591"), ("成都", "510107", "028"),
    ("武汉", "420106", "027"), ("青岛", "370212", "0532"), ("西安", "610113", "029"),
    ("长沙", "430104", "0731"), ("合肥", "340104", "0551"), ("郑州", "410105", "0371"),
]
MUNICIPALITIES = {"北京", "上海", "天津", "重庆"}

# Brand syllables with pinyin (for e-mail domains).
WORD_A = [
    ("华", "hua"), ("声", "sheng"), ("宏", "hong"), ("鑫", "xin"), ("创", "chuang"), ("恒", "heng"),
    ("嘉", "jia"), ("博", "bo"), ("德", "de"), ("凯", "kai"), ("威", "wei"), ("锐", "rui"),
    ("天", "tian"), ("宇", "yu"), ("光", "guang"), ("美", "mei"), ("佳", "jia"), ("雅", "ya"),
    ("朗", "lang"), ("晶", "jing"), ("星", "xing"), ("腾", "teng"), ("海", "hai"), ("泰", "tai"),
    ("瑞", "rui"), ("新", "xin"), ("联", "lian"), ("盛", "sheng"), ("迅", "xun"), ("科", "ke"),
]
WORD_B = [
    ("声", "sheng"), ("音", "yin"), ("韵", "yun"), ("达", "da"), ("讯", "xun"), ("源", "yuan"),
    ("力", "li"), ("辰", "chen"), ("芯", "xin"), ("乐", "le"), ("影", "ying"), ("视", "shi"),
    ("通", "tong"), ("丰", "feng"), ("谷", "gu"), ("悦", "yue"), ("尔", "er"), ("普", "pu"),
    ("频", "pin"), ("驰", "chi"),
]
# industry (as stored), the word in the company name, the word in the short name
INDUSTRIES = [
    ("消费电子", "电子科技", "电子"), ("音响设备", "音响", "音响"), ("专业音频", "音频技术", "音频"),
    ("家庭影院", "影音科技", "影音"), ("耳机耳麦", "声学科技", "声学"), ("显示设备", "显示技术", "显示"),
    ("智能家居", "智能科技", "智能"), ("电子元器件", "电子", "电子"), ("广播电视设备", "广电设备", "广电"),
    ("车载音响", "汽车音响", "车音"),
]
SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("罗", "luo"), ("高", "gao"), ("梁", "liang"), ("郑", "zheng"), ("谢", "xie"), ("宋", "song"),
]
GIVEN_NAMES = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("华", "hua"),
    ("晓东", "xiaodong"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("建华", "jianhua"),
    ("丽娟", "lijuan"), ("文博", "wenbo"),
]
TITLES = ["总经理", "副总经理", "市场总监", "销售总监", "采购经理", "总经理助理", "市场专员"]
AD_TITLES = ["市场部经理", "品牌经理", "市场总监"]
MOBILE_PREFIXES = [str(p) for p in range(130, 140)] + [
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178",
] + [str(p) for p in range(180, 190)] + ["198", "199"]
MAIL_TLDS = [".com", ".com.cn", ".cn", ".net"]

SOURCES = [s.value for s in CustomerSource]
# Stage of an owner's k-th customer: every owner gets every stage.
STAGE_PATTERN = ["signed", "filed", "intent", "signed", "lead", "filed", "lost", "signed"]

# Rate card: (slot, size, list price in yuan); web prices are per month.
PRINT_SLOTS = [
    ("封面", "210×285mm", 30000), ("封二", "210×285mm", 18000), ("封三", "210×285mm", 15000),
    ("封底", "210×285mm", 22000), ("整版", "210×285mm", 9800), ("半版", "210×140mm", 5200),
]
WEB_SLOTS = [("首页横幅", "1200×90像素", 8000), ("栏目通栏", "960×60像素", 3500)]
# (slot, new price, reason) applied after the rate card is created: the 变价单.
PRICE_CHANGES = [("封面", 32000, "2026年下半年封面调价"), ("首页横幅", 8800, "网站改版后首页横幅调价")]
MEMBERSHIP_FEES = [6800, 12000, 19800]

OUTCOMES = {
    "call": ["电话沟通下期广告计划，对方考虑封底", "询问报价，已发送报价单", "对方负责人出差，约下周再联系",
             "确认稿件下周一前发来", "催收上月广告费，答应本周转账"],
    "visit": ["上门拜访，介绍网+刊套餐", "送样刊并讨论全年合作", "洽谈续签，对折扣有异议",
              "当面确认校样，签认定单", "拜访市场总监，意向投放半版"],
    "email": ["邮件发送刊例和排期表", "邮件确认校样", "发送合同扫描件待盖章"],
    "fax": ["传真认定单已回签", "传真合同待客户盖章"],
    "exhibition": ["展会现场交换名片，有投放意向", "展会洽谈，索取媒体资料"],
}


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(region: str, org9: str) -> str:
    """Unified social credit code of a company (9 = 工商, 1 = 企业) with its check character."""
    first17 = "91" + region + org9
    return first17 + credit_code_check_char(first17)


def scale_credit_code(index: int, region: str) -> str:
    """A credit code unique per index: the new-style "MA" organisation part (never all digits,
    so it cannot meet an :func:`org_code`) spells a permutation of the index in base 31."""
    value = (index * 1_000_003) % 31 ** 7
    chars = []
    for _ in range(7):
        value, rest = divmod(value, 31)
        chars.append(CREDIT_CODE_ALPHABET[rest])
    return credit_code(region, "MA" + "".join(reversed(chars)))


def city_prefix(city: str) -> str:
    return city if city in MUNICIPALITIES else city + "市"


def company(city_row, first, second, industry_row, branch: int = 0) -> dict:
    city, region, area = city_row
    brand = first[0] + second[0]
    name = f"{city_prefix(city)}{brand}{industry_row[1]}有限公司"
    if branch:
        name += f"第{branch}分公司"
    return {
        "name": name, "short_name": brand + industry_row[2], "industry": industry_row[0],
        "city": city, "locality": "local" if city == HOME_CITY else "out_of_town",
        "region": region, "area_code": area, "domain": first[1] + second[1],
    }


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def contact(rng: random.Random, firm: dict, ad_responsible: bool, used: set) -> dict:
    for _ in range(100):
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
        if surname[0] + given[0] not in used:
            break
    used.add(surname[0] + given[0])
    local = rng.choice([f"{given[1]}.{surname[1]}", f"{surname[1]}{given[1]}", given[1]])
    return {
        "name": surname[0] + given[0],
        "title": rng.choice(AD_TITLES if ad_responsible else TITLES),
        "mobile": mobile(rng),
        "phone": f"{firm['area_code']}-{rng.randrange(2, 9)}{rng.randrange(10 ** 7):07d}",
        "email": f"{local}@{firm['domain']}{rng.choice(MAIL_TLDS)}",
        "is_ad_responsible": ad_responsible,
    }


def demo_customers(seed: int = 2026, count: int = 36, owners=("sales1", "sales2")) -> list[dict]:
    """About half in the home city; owners alternate, every 12th customer is unowned.

    Each dict holds the customer's columns plus "owner" (a username or None),
    "contacts" (1-3 dicts, exactly one ad responsible) and the helper keys of
    :func:`company`.
    """
    rng = random.Random(seed)
    out, names, codes, per_owner = [], set(), set(), {o: 0 for o in owners}
    while len(out) < count:
        city_row = CITIES[0] if rng.random() < 0.45 else rng.choice(CITIES[1:])
        firm = company(city_row, rng.choice(WORD_A), rng.choice(WORD_B), rng.choice(INDUSTRIES))
        code = credit_code(firm["region"], org_code(rng))
        if firm["name"] in names or code in codes:
            continue
        names.add(firm["name"])
        codes.add(code)
        owner = None if len(out) % 12 == 11 else owners[len(out) % len(owners)]
        if owner:
            stage = STAGE_PATTERN[per_owner[owner] % len(STAGE_PATTERN)]
            per_owner[owner] += 1
        else:
            stage = rng.choice(["lead", "lead", "intent"])
        used: set = set()
        n_contacts = rng.choice([1, 2, 2, 3])
        responsible = rng.randrange(n_contacts)
        firm.update(
            credit_code=code, owner=owner, stage=stage, source=rng.choice(SOURCES),
            contacts=[contact(rng, firm, i == responsible, used) for i in range(n_contacts)])
        out.append(firm)
    return out


def scale_customer(index: int) -> dict:
    """The index-th benchmark customer: unique name and credit code, no randomness."""
    sizes = (len(CITIES), len(WORD_A), len(WORD_B), len(INDUSTRIES))
    product = sizes[0] * sizes[1] * sizes[2] * sizes[3]
    branch, j = divmod(index, product)
    j = (j * 7919) % product  # a permutation, so neighbours do not look alike
    parts = []
    for size in sizes:
        j, rest = divmod(j, size)
        parts.append(rest)
    city_row = CITIES[parts[0]]
    firm = company(city_row, WORD_A[parts[1]], WORD_B[parts[2]], INDUSTRIES[parts[3]], branch)
    firm["credit_code"] = scale_credit_code(index, city_row[1])
    return firm


def month_start(day: date, months: int) -> date:
    """First day of the month ``months`` after (or before) the month of ``day``."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def monthly_issues(today: date, back: int = 6, ahead: int = 6) -> list[dict]:
    """One issue a month, published on the 20th, copy deadline ten days before."""
    issues = []
    for offset in range(-back, ahead + 1):
        publish = month_start(today, offset).replace(day=20)
        issues.append({"number": f"{publish.year}-{publish.month:02d}", "publish_date": publish,
                       "copy_deadline": publish - timedelta(days=10)})
    return issues


def contract_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:04d}"
