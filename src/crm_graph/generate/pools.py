"""Vocabularies of the synthetic city branch: names, places, industries, products.

The branch is modelled on Zhongshan (Guangdong): the city branch and one
sub-branch per district or town. Area code 442000 is used in resident ids.
"""

from __future__ import annotations

__all__ = [
    "AREA_CODE",
    "CATEGORIES",
    "COMPETITORS",
    "COMPANY_SUFFIXES",
    "COMPANY_WORDS",
    "GIVEN_CHARS",
    "LATIN_GIVEN",
    "LATIN_SURNAMES",
    "INDUSTRIES",
    "PRODUCTS",
    "ROADS",
    "SIMILAR_CHARS",
    "SURNAMES",
    "SURNAME_WEIGHTS",
    "TOWNS",
    "TRADE_CHARS",
]

AREA_CODE = "442000"
CITY = "中山市"

# (town, district code used in addresses)
TOWNS: tuple[str, ...] = (
    "石岐街道",
    "东区街道",
    "西区街道",
    "南区街道",
    "火炬开发区",
    "五桂山街道",
    "小榄镇",
    "古镇镇",
    "黄圃镇",
    "三乡镇",
    "坦洲镇",
    "南头镇",
    "东凤镇",
    "沙溪镇",
    "大涌镇",
    "横栏镇",
    "三角镇",
    "民众街道",
    "南朗街道",
    "港口镇",
    "板芙镇",
    "神湾镇",
    "阜沙镇",
)

ROADS: tuple[str, ...] = (
    "中山路",
    "孙文路",
    "兴中道",
    "博爱路",
    "富华道",
    "悦来路",
    "民族路",
    "岐关路",
    "康华路",
    "东明路",
    "长江路",
    "起湾道",
    "港义路",
    "银通街",
    "月山路",
    "龙山路",
    "新华路",
    "建设路",
    "民生路",
    "湖滨路",
)

SURNAMES: tuple[str, ...] = (
    "李",
    "王",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "罗",
    "高",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "袁",
    "潘",
    "蔡",
    "蒋",
    "余",
    "叶",
    "杜",
    "苏",
    "魏",
    "程",
    "吕",
    "丁",
    "沈",
    "任",
    "姚",
    "卢",
    "钟",
    "姜",
    "崔",
    "谭",
    "陆",
    "范",
    "汪",
    "廖",
    "石",
    "金",
    "韦",
    "贾",
    "夏",
    "方",
    "邹",
    "熊",
    "白",
    "孟",
    "秦",
    "欧阳",
    "司徒",
    "上官",
)
# Guangdong-leaning frequencies: Chen, Li, Huang, Zhang, Liang are the most common.
SURNAME_WEIGHTS: tuple[float, ...] = tuple(
    {
        "陈": 9.0,
        "李": 7.0,
        "黄": 7.0,
        "张": 5.0,
        "梁": 5.0,
        "林": 4.5,
        "刘": 4.0,
        "吴": 3.5,
        "何": 3.5,
        "王": 3.0,
        "郑": 3.0,
        "杨": 2.5,
        "罗": 2.5,
        "谢": 2.0,
        "冯": 2.0,
        "钟": 2.0,
        "欧阳": 0.4,
        "司徒": 0.4,
        "上官": 0.1,
    }.get(s, 1.0)
    for s in SURNAMES
)

GIVEN_CHARS: tuple[str, ...] = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力永健世广志义兴良"
    "海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子昌成康星光天达安岩中茂进林"
    "有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江浩亮政谦亨奇固之"
    "轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾"
    "楠榕风航弘嘉琼桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹"
    "蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔"
)

# Characters often swapped by typing (same pinyin or similar shape), for identity noise.
SIMILAR_CHARS: dict[str, str] = {
    "伟": "玮",
    "芳": "方",
    "娜": "纳",
    "敏": "民",
    "静": "晶",
    "丽": "莉",
    "强": "墙",
    "军": "君",
    "洋": "阳",
    "勇": "永",
    "艳": "燕",
    "杰": "洁",
    "娟": "鹃",
    "涛": "滔",
    "明": "铭",
    "超": "潮",
    "秀": "绣",
    "霞": "侠",
    "平": "萍",
    "华": "桦",
    "玉": "钰",
    "红": "虹",
    "建": "健",
    "文": "雯",
    "辉": "晖",
    "海": "凯",
    "志": "智",
    "良": "亮",
    "陈": "程",
    "黄": "王",
    "张": "章",
    "林": "琳",
    "梁": "良",
    "钟": "仲",
    "谢": "解",
    "何": "贺",
    "吴": "伍",
    "郑": "正",
    "杨": "扬",
    "罗": "萝",
    "刘": "柳",
    "李": "黎",
}

INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("五金制品", "manufacturing"),
    ("灯饰照明", "manufacturing"),
    ("家具", "manufacturing"),
    ("服装", "textiles"),
    ("电器", "electronics"),
    ("电子科技", "electronics"),
    ("红木家具", "manufacturing"),
    ("食品", "food"),
    ("餐饮管理", "hospitality"),
    ("物流", "logistics"),
    ("建筑工程", "construction"),
    ("房地产开发", "real_estate"),
    ("贸易", "trade"),
    ("医疗器械", "healthcare"),
    ("印刷包装", "manufacturing"),
    ("汽车配件", "automotive"),
    ("农业发展", "agriculture"),
    ("旅游", "hospitality"),
)
COMPANY_WORDS: tuple[str, ...] = (
    "恒达",
    "华美",
    "盛丰",
    "金辉",
    "永利",
    "新宇",
    "广源",
    "东升",
    "嘉信",
    "宏图",
    "富华",
    "海纳",
    "明珠",
    "兴业",
    "佳宝",
    "荣昌",
    "德邦",
    "天润",
    "鸿运",
    "锦华",
    "瑞丰",
    "中兴",
    "利来",
    "长青",
    "合创",
    "星光",
    "国泰",
    "裕隆",
    "泰丰",
    "远航",
)
# characters of coined trade names (two of them make a name like 鑫源 or 华达)
TRADE_CHARS = (
    "鑫源华达盛丰恒泰隆兴昌富荣宝利嘉信德安康瑞祥和润金银宏伟博远创新科联合通顺发展"
    "东南西北中天地海山川星辰光明阳春秋雅美佳丽雄豪威力精益诚志邦誉城港湾岭峰"
)
COMPANY_SUFFIXES: tuple[str, ...] = ("有限公司", "有限公司", "有限公司", "股份有限公司", "厂")

# product_id, name, category, kind allowed ("person", "company" or "both")
PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("DEP_CURRENT", "活期存款 Current account", "deposit", "both"),
    ("DEP_TERM", "定期存款 Term deposit", "deposit", "both"),
    ("DEP_LARGE_CD", "大额存单 Large certificate of deposit", "deposit", "both"),
    ("CARD_CREDIT", "信用卡 Credit card", "card", "person"),
    ("LOAN_CONSUMER", "消费贷 Consumer loan", "loan", "person"),
    ("LOAN_MORTGAGE", "住房按揭 Mortgage", "loan", "person"),
    ("LOAN_BUSINESS", "经营贷 Business loan", "loan", "company"),
    ("WEALTH_MGMT", "理财产品 Wealth management", "wealth", "both"),
    ("INS_AGENCY", "代理保险 Agency insurance", "insurance_agency", "person"),
    ("FUND_AGENCY", "代销基金 Agency fund", "fund_agency", "both"),
    ("PAYROLL", "代发工资 Payroll", "payroll", "both"),
    ("FX", "外汇 Foreign exchange", "fx", "both"),
    ("E_BANKING", "网银/手机银行 Online & mobile banking", "e_banking", "both"),
)
# The generated bank's eligibility policy, written into its catalogue (min_age, max_age,
# max_risk_grade): credit needs an adult of working age at a grade of 3 or better (a
# mortgage or loan must be repaid before retirement), investment products an adult,
# agency insurance stops at 70. Categories not named have no bounds.
CATEGORY_BOUNDS: dict[str, tuple[int | None, int | None, int | None]] = {
    "loan": (18, 65, 3),
    "card": (18, 70, 3),
    "wealth": (18, None, None),
    "fund_agency": (18, None, None),
    "insurance_agency": (18, 70, None),
}
CATEGORIES: tuple[str, ...] = (
    "deposit",
    "card",
    "loan",
    "wealth",
    "insurance_agency",
    "fund_agency",
    "payroll",
    "fx",
    "e_banking",
)

COMPETITORS: tuple[tuple[str, str], ...] = (
    ("COMP_ICBC", "中国工商银行"),
    ("COMP_CCB", "中国建设银行"),
    ("COMP_CMB", "招商银行"),
    ("COMP_PAB", "平安银行"),
    ("COMP_RCB", "中山农商银行"),
    ("COMP_WEBANK", "微众银行"),
)

CONTACT_TOPICS: tuple[str, ...] = (
    "fees",
    "card",
    "mobile_app",
    "service_attitude",
    "waiting_time",
    "loan_rate",
    "wealth_return",
    "account",
    "fraud",
)


# --hard-names: customers who give a name in Latin script (Macau and Hong Kong
# residents, foreigners). Each surname is a group of transliterations of one family
# name (Cantonese and Mandarin romanisations, spelling variants); the first is the
# name as registered, any other may appear in another system. Some are legal-form
# words of company names (SA, CO, SAS) or contain one (SINCLAIR, VINCENT hold INC).
LATIN_SURNAMES: tuple[tuple[str, ...], ...] = (
    ("CHAN", "CHEN"),
    ("WONG", "HUANG"),
    ("LEE", "LI"),
    ("CHEUNG", "ZHANG"),
    ("LEUNG", "LIANG"),
    ("LAM", "LIN"),
    ("NG", "WU"),
    ("HO", "HE"),
    ("SA", "SAA"),
    ("CO", "KO"),
    ("SAS",),
    ("DA SILVA", "DA SYLVA"),
    ("SINCLAIR", "ST CLAIR"),
    ("VINCENT",),
    ("PRINCE",),
    ("LINCOLN",),
    ("COSTA", "DA COSTA"),
    ("SOUSA", "SOUZA"),
    ("MOHAMMED", "MUHAMMAD", "MOHAMED"),
)
LATIN_GIVEN: tuple[str, ...] = (
    "MARIA", "JOSE", "ANA", "JOAO", "PAULO", "RITA", "PETER", "MARY", "JOHN", "DAVID",
    "KA MAN", "WAI MAN", "SIU MING", "CHI KEUNG", "MEI LING", "AHMED", "FATIMA",
)  # fmt: skip
