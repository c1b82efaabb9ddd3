"""Reference tables the generator draws from: seeds, park industry mixes, class codes, words.

The park mixes follow the plan's section 四(一) (park positioning); the GB/T 4754-2017 class
codes are classes of each division in seeds/industry_classes.csv (checked when drawn).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.reference import industry_classes

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class Park:
    code: str
    name: str
    aliases: tuple[str, ...]  # other names that occur in extracts (the name itself excluded)


@cache
def parks() -> dict[str, Park]:
    with open(SEEDS / "parks.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(SEEDS / "park_aliases.csv", encoding="utf-8") as f:
        aliases = list(csv.DictReader(f))
    out = {}
    for row in rows:
        code, name = row["park_code"], row["park_name"]
        names = tuple(a["alias"] for a in aliases if a["park_code"] == code and a["alias"] != name)
        out[code] = Park(code, name, names)
    return out


@cache
def industrial_divisions() -> frozenset[str]:
    with open(SEEDS / "industry_divisions.csv", encoding="utf-8") as f:
        return frozenset(
            r["division_code"] for r in csv.DictReader(f) if r["is_industrial"] == "true"
        )


# Share of the city's enterprises registered in each park or zone.
PARK_WEIGHTS = {
    "JKQ": 0.22, "LWXQ": 0.22, "CJL": 0.08, "KGXQ": 0.07, "DZ": 0.07, "DL": 0.07,
    "QS": 0.06, "CG": 0.12, "MZGK": 0.03, "LZ": 0.03, "DX": 0.015, "NM": 0.015,
}  # fmt: skip

# Divisions that carry each park's positioning (plan 四(一)), with relative weights.
PARK_INDUSTRIES: dict[str, dict[str, float]] = {
    "JKQ": {"13": 10, "14": 10, "15": 12, "27": 10, "51": 14, "72": 12},
    "LWXQ": {"65": 16, "64": 8, "39": 5, "73": 6, "66": 6, "67": 10, "69": 8},
    "CJL": {"88": 20, "87": 12, "24": 15, "72": 8},
    "KGXQ": {"56": 10, "58": 15, "59": 15, "51": 20},
    "DZ": {"13": 15, "14": 12, "15": 12, "24": 15, "19": 8, "17": 8},
    "DL": {"30": 25, "59": 18, "54": 15},
    "QS": {"13": 18, "15": 15, "42": 20},
    "CG": {},  # mixed: everything comes from the city-wide background mix
    "MZGK": {"09": 20, "10": 10, "08": 8, "06": 2},
    "LZ": {"01": 15, "03": 20, "13": 15},
    "DX": {"44": 30},
    "NM": {"44": 30},
}
# Share of a park's enterprises that fall outside its positioning (trade, services, building).
OFF_POSITIONING_SHARE = 0.18
BACKGROUND: dict[str, float] = {
    "51": 12, "52": 8, "72": 10, "47": 6, "48": 6, "50": 5, "62": 5, "61": 4, "70": 4,
    "74": 4, "75": 4, "65": 4, "54": 3, "33": 3, "80": 3, "77": 2, "46": 1, "84": 1,
    "90": 1, "41": 2, "13": 2, "14": 2, "15": 2, "24": 2, "27": 1, "30": 2, "59": 2,
}  # fmt: skip


def park_division_table(park: str) -> tuple[list[str], list[float]]:
    own = PARK_INDUSTRIES[park]
    weights: dict[str, float] = {}
    own_total = sum(own.values())
    bg_total = sum(BACKGROUND.values())
    bg_share = 1.0 if not own else OFF_POSITIONING_SHARE
    for d, w in own.items():
        weights[d] = weights.get(d, 0.0) + (1 - bg_share) * w / own_total
    for d, w in BACKGROUND.items():
        weights[d] = weights.get(d, 0.0) + bg_share * w / bg_total
    divs = sorted(weights)
    return divs, [weights[d] for d in divs]


# GB/T 4754-2017 classes (4 digits) drawn per division, a class listed twice twice as often.
CLASSES: dict[str, list[str]] = {
    "01": ["0111", "0113", "0121", "0141", "0151", "0190"],
    "03": ["0311", "0314", "0319", "0321"],
    "06": ["0610", "0620"],
    "08": ["0810", "0820", "0890"],
    "09": ["0911", "0912", "0921", "0931", "0939"],
    "10": ["1011", "1012", "1019", "1020", "1030"],
    "13": ["1314", "1331", "1351", "1353", "1371", "1391"],
    "14": ["1411", "1419", "1441", "1442", "1469", "1491", "1492"],
    "15": ["1512", "1513", "1515", "1519", "1522", "1529", "1530"],
    "17": ["1721", "1722", "1779"],
    "19": ["1910", "1921", "1931", "1939"],
    "24": ["2431", "2432", "2436", "2437", "2438", "2439"],
    "27": ["2720", "2730", "2740", "2740", "2761"],
    "30": ["3011", "3021", "3022", "3031", "3032", "3039", "3041"],
    "33": ["3311", "3312", "3399"],
    "39": ["3911", "3912", "3921", "3971", "3990"],
    "41": ["4119", "4190"],
    "42": ["4210", "4220"],
    "44": ["4413", "4415", "4416", "4416", "4419", "4420"],
    "46": ["4610", "4620"],
    "47": ["4710", "4790"],
    "48": ["4812", "4813", "4822", "4852", "4875"],
    "50": ["5011", "5012", "5090"],
    "51": ["5121", "5127", "5165", "5181", "5191", "5199"],
    "52": ["5211", "5212", "5225", "5261", "5299"],
    "54": ["5422", "5431", "5432", "5437"],
    "56": ["5611", "5612", "5621", "5631", "5639"],
    "58": ["5810", "5821", "5822", "5829"],
    "59": ["5910", "5920", "5930", "5951", "5960", "5990"],
    "61": ["6110", "6121", "6130", "6140"],
    "62": ["6210", "6220", "6231", "6291"],
    "64": ["6421", "6432", "6433", "6450", "6490"],
    "65": ["6513", "6519", "6531", "6532", "6550", "6560", "6572"],
    "66": ["6621", "6631", "6633", "6635"],
    "67": ["6712", "6731", "6739", "6760", "6790"],
    "69": ["6911", "6920", "6930", "6940", "6999"],
    "70": ["7010", "7020", "7030", "7040"],
    "72": ["7211", "7212", "7221", "7243", "7259", "7284", "7299"],
    "73": ["7310", "7320", "7330", "7340"],
    "74": ["7452", "7481", "7483", "7491"],
    "75": ["7511", "7512", "7514", "7515", "7530", "7540"],
    "77": ["7721", "7723"],
    "80": ["8010", "8051", "8090"],
    "84": ["8413", "8415"],
    "87": ["8730", "8750", "8760", "8770"],
    "88": ["8810", "8820", "8840", "8850", "8890"],
    "90": ["9030", "9019"],
}


@cache
def class_tables() -> dict[str, tuple[list[str], list[float]]]:
    """Per division, the classes drawn and their weights; every one a class of that division in
    the seed, or the demo would lose its rows to the register's industry code rule."""
    known = industry_classes()
    wrong = [c for dv, cl in CLASSES.items() for c in cl if c not in known or c[:2] != dv]
    if wrong:
        raise ValueError(f"CLASSES: not a class of its division in industry_classes.csv: {wrong}")
    return {dv: (cl, [1.0] * len(cl)) for dv, cl in CLASSES.items()}


# Annual size multiplier by division (mines and power plants are big, studios small).
SIZE_FACTOR: dict[str, float] = {
    "06": 4, "08": 4, "09": 5, "10": 3, "44": 2.5, "30": 2.5, "15": 1.5, "27": 1.5,
    "13": 1.0, "14": 1.0, "24": 0.5, "17": 0.5, "19": 0.5, "42": 0.8, "39": 1.0, "51": 1.2,
    "52": 0.8, "56": 2.0, "58": 0.8, "59": 0.8, "54": 0.8, "65": 0.7, "64": 0.7, "73": 0.4,
    "74": 0.4, "75": 0.4, "66": 1.0, "67": 0.6, "69": 0.6, "72": 0.7, "88": 0.4, "87": 0.4,
    "47": 1.5, "48": 1.5, "50": 0.7, "61": 0.4, "62": 0.4, "70": 1.5, "01": 0.3, "03": 0.3,
}  # fmt: skip
# Median tax (yuan) per yuan of revenue: liquor's consumption tax, mines' resource tax,
# finance and holding companies' income tax; farming is exempt.
TAX_RATE: dict[str, float] = {
    "15": 0.12, "27": 0.07, "06": 0.10, "08": 0.10, "09": 0.10, "10": 0.10, "44": 0.05,
    "30": 0.06, "51": 0.015, "52": 0.015, "66": 0.12, "67": 0.20, "69": 0.20, "72": 0.10,
    "70": 0.08, "65": 0.06, "64": 0.06, "01": 0.003, "03": 0.003, "13": 0.02, "14": 0.04,
    "47": 0.03, "48": 0.03, "50": 0.03, "54": 0.03, "56": 0.03, "58": 0.03, "59": 0.03,
}  # fmt: skip
DEFAULT_TAX_RATE = 0.04
# Workers per unit of size, relative (handicraft, hotels, building are labour-intensive).
LABOUR: dict[str, float] = {
    "24": 3, "17": 2, "19": 2, "61": 2.5, "62": 2.5, "88": 1.5, "66": 0.5, "67": 0.2,
    "69": 0.2, "72": 0.4, "44": 0.3, "06": 0.7, "08": 0.7, "09": 0.7, "10": 0.7, "13": 1.3,
    "14": 1.3, "15": 0.8, "27": 1.2, "59": 1.3, "54": 1.3, "47": 2.0, "48": 2.0, "50": 1.5,
    "52": 1.2, "51": 0.5, "73": 1.2, "74": 1.2, "75": 1.2, "80": 2, "84": 3, "01": 1.5,
    "03": 1.5, "70": 0.6,
}  # fmt: skip
# Seasonality: 0 ordinary, 1 tourism (strong summer peak), 2 building (winter stop).
SEASON_KIND: dict[str, int] = {
    "61": 1, "62": 1, "88": 1, "87": 1, "90": 1, "24": 1, "56": 1,
    "47": 2, "48": 2, "50": 2, "30": 2, "10": 2,
}  # fmt: skip
SEASON = {
    0: [0.70, 0.60, 0.85, 0.95, 1.05, 1.10, 1.15, 1.15, 1.10, 1.10, 0.95, 1.30],
    1: [0.35, 0.30, 0.50, 0.80, 1.10, 1.45, 1.80, 1.90, 1.40, 1.25, 0.65, 0.50],
    2: [0.25, 0.20, 0.60, 1.05, 1.30, 1.35, 1.35, 1.35, 1.30, 1.30, 1.00, 0.95],
}
# Corporate income tax is prepaid after each quarter and settled in May.
CIT_WEIGHTS = [2.5, 0.2, 0.2, 2.5, 2.0, 0.2, 2.5, 0.2, 0.2, 2.5, 0.2, 0.2]

# Region codes (USCC positions 3-8) by park: the park's own registry, the city, the region.
PARK_REGION: dict[str, str] = {
    "JKQ": "540191", "LWXQ": "540195", "CJL": "540102", "KGXQ": "540100", "DZ": "540104",
    "DL": "540103", "QS": "540124", "CG": "540102", "MZGK": "540127", "LZ": "540121",
    "DX": "540122", "NM": "540123",
}  # fmt: skip
# District or county an individual business or cooperative is named after.
PARK_DISTRICT: dict[str, str] = {
    "JKQ": "堆龙德庆区", "LWXQ": "堆龙德庆区", "CJL": "城关区", "KGXQ": "拉萨市", "DZ": "达孜区",
    "DL": "堆龙德庆区", "QS": "曲水县", "CG": "城关区", "MZGK": "墨竹工卡县", "LZ": "林周县",
    "DX": "当雄县", "NM": "尼木县",
}  # fmt: skip
OTHER_REGIONS = ["540100", "540000", "540100", "540191"]
EXTERNAL_REGIONS = ["110000", "110108", "320000", "320100", "310115", "440300", "510100"]


def _words(text: str) -> list[str]:
    return text.split()


NAME_PREFIXES = ["西藏", "拉萨", "拉萨市", "西藏拉萨", "西藏"]
NAME_WORDS = _words(
    "雪域 圣地 高原 珠峰 布达拉 纳木错 念青 羊卓 天域 吉祥 格桑 扎西 德吉 "
    "央金 达瓦 卓玛 阳光 金穗 天路 净土 云端 雅江 拉鲁 宇拓 众诚 华泰 "
    "瑞丰 鑫源 恒通 宏达 博远 隆盛 日光 圣雪 藏原 冈底斯 唐古拉 雄巴 曲水 "
    "聂当 甘丹 色拉 哲蚌 夏萨 龙王潭 宗角 八廓 吉曲 拉萨河 尼洋 雅鲁 喜马 "
    "昆仑 天成 天恒 天和 天润 天瑞 天信 金桥 金汇 金鼎 金阳 银河 银桥 "
    "长城 长青 长远 长盛 华夏 华新 华兴 华宇 华康 华欣 中诚 中恒 中科 "
    "中联 中信 中天 东方 东升 东嘉 西部 西辰 南山 北辰 新远 新源 新华 "
    "新康 新世纪 宏图 宏业 宏泰 宏远 鸿达 鸿运 鸿福 鼎盛 鼎新 鼎力 汇通 "
    "汇丰 汇智 汇泽 嘉禾 嘉信 嘉园 嘉华 瑞祥 瑞源 瑞达 瑞康 祥云 祥瑞 "
    "祥和 安泰 安康 安达 安信 康源 康泰 康宁 明德 明远 明珠 恒信 恒源 "
    "恒昌 恒达 盛世 盛达 盛源 盛和 荣达 荣盛 兴业 兴旺 兴达 和泰 和顺 "
    "和兴 德信 德润 德昌 志诚 志远 永安 永盛 永兴 福源 福达 福星 圣康 "
    "吉瑞 吉庆 吉利 格萨尔 米拉 玛吉 次仁 边巴 普布 索朗 旺堆 欧珠 多吉 "
    "尼玛 巴桑 平措 拉姆 琼达 益西 "
)
NAME_SUFFIXES = ["有限公司", "有限公司", "有限责任公司", "股份有限公司", "有限公司"]
INDUSTRY_WORDS: dict[str, list[str]] = {
    "01": ["农业开发", "种植", "青稞种植", "农业科技"],
    "03": ["牧业", "畜牧养殖", "牦牛养殖", "藏香猪养殖"],
    "06": ["矿业", "能源开发"],
    "08": ["矿业", "铁矿"],
    "09": ["矿业", "铜业", "矿业开发", "有色金属"],
    "10": ["矿业", "石材", "砂石"],
    "13": ["食品", "农产品加工", "青稞食品", "牦牛肉制品", "粮油"],
    "14": ["食品", "乳业", "糌粑食品", "生物科技", "酥油茶"],
    "15": ["青稞酒业", "饮品", "矿泉水", "啤酒", "茶业", "天然饮用水"],
    "17": ["纺织", "毛纺", "卡垫", "氆氇"],
    "19": ["皮革制品", "毛皮制品", "藏靴"],
    "24": ["民族手工艺品", "唐卡艺术", "工艺品", "藏香", "地毯"],
    "27": ["藏药", "藏药业", "药业", "生物医药", "藏医药"],
    "30": ["建材", "水泥", "新型建材", "商砼", "石材"],
    "33": ["钢结构", "金属制品"],
    "39": ["电子科技", "智能科技", "通信设备"],
    "41": ["日用品", "制品"],
    "42": ["再生资源", "环保科技", "资源回收利用"],
    "44": ["新能源", "光伏发电", "风电", "电力", "清洁能源"],
    "46": ["水务", "供排水"],
    "47": ["建筑工程", "建设", "建工"],
    "48": ["路桥工程", "市政工程", "水利工程", "电力工程"],
    "50": ["装饰工程", "装饰"],
    "51": ["商贸", "贸易", "进出口贸易", "供应链", "物资"],
    "52": ["商贸", "百货", "超市", "汽车销售"],
    "54": ["运输", "物流", "汽车运输", "冷链物流"],
    "56": ["航空服务", "通用航空", "航空"],
    "58": ["国际货运代理", "物流", "供应链管理"],
    "59": ["仓储", "物流", "仓储物流", "冷链仓储"],
    "61": ["酒店", "酒店管理", "客栈"],
    "62": ["餐饮", "餐饮管理", "甜茶馆"],
    "64": ["网络科技", "互联网科技", "电子商务"],
    "65": ["信息技术", "软件", "数据科技", "智能科技", "网络科技"],
    "66": ["小额贷款", "融资租赁", "典当"],
    "67": ["创业投资", "股权投资", "资本管理", "基金管理"],
    "69": ["投资控股", "金融服务", "资产管理"],
    "70": ["房地产开发", "置业", "物业管理"],
    "72": ["投资管理", "企业管理", "商务咨询", "文化传播", "会展服务"],
    "73": ["科技", "生物技术", "技术研究"],
    "74": ["检测技术", "工程设计", "工程咨询"],
    "75": ["科技服务", "技术推广", "孵化器管理"],
    "77": ["环保", "环境治理"],
    "80": ["家政服务", "生活服务"],
    "84": ["藏医院", "医疗管理"],
    "87": ["影视文化", "文化传媒", "影视传媒"],
    "88": ["文化艺术", "演艺", "文化产业", "藏戏艺术"],
    "90": ["旅游开发", "休闲旅游"],
}
ALL_DIVISIONS = sorted(CLASSES)

UNKNOWN_PARKS = ["拉萨综合保税区", "羊八井工业园", "八一园区", "未知园区", "拉萨市园区"]

PROJECT_PRODUCTS: dict[str, list[str]] = {
    "JKQ": ["青稞深加工", "藏药生产线扩建", "天然饮用水生产基地", "高原食品产业园",
            "现代服务业综合体", "冷链物流中心", "综合保税区配套", "牦牛乳制品加工"],
    "LWXQ": ["大数据中心", "软件产业园", "金融服务中心", "总部经济大楼", "科技孵化器",
             "云计算中心", "电子元器件生产", "创新创业园"],
    "CJL": ["文化创意产业园", "唐卡艺术中心", "民族演艺中心", "影视基地", "非遗传承基地"],
    "KGXQ": ["航空物流园", "跨境电商产业园", "口岸仓储中心", "临空经济区配套", "航空货运站"],
    "DZ": ["青稞酒生产线", "民族手工业园", "高原食品加工", "藏毯生产", "皮革制品加工"],
    "DL": ["新型建材生产线", "商砼搅拌站", "物流园", "装配式建筑基地", "石材加工"],
    "QS": ["再生资源回收利用", "青稞深加工", "天然饮用水", "循环经济产业园", "废旧物资分拣中心"],
    "CG": ["商业综合体", "城市更新", "文旅综合体", "智慧物流中心", "民族手工艺展销中心"],
    "MZGK": ["铜多金属矿采选", "矿产品精选厂", "矿产品仓储中心", "尾矿综合利用"],
    "LZ": ["牦牛养殖基地", "青稞种植示范园", "净土健康产业园", "生态观光农业园"],
    "DX": ["光伏电站", "风电场", "光储一体化", "地热发电"],
    "NM": ["光伏电站", "风电场", "光伏扶贫电站", "储能电站"],
}  # fmt: skip
_SCALES = ["", "", "一期", "二期", "扩建", "技改"]
_TONNES = ["年产5万吨", "年产10万吨", "年产2万吨"]
PROJECT_SCALES: dict[str, list[str]] = {
    code: _SCALES
    + (_TONNES if code in ("JKQ", "DZ", "QS", "DL", "MZGK") else [])
    + (["50MW", "100MW", "20MW"] if code in ("DX", "NM") else [])
    for code in PARK_WEIGHTS
}
PROJECT_CATEGORIES = ["招商引资", "智能制造", "两化融合", "工业强基", "节能改造", None]
PROJECT_CATEGORY_WEIGHTS = [50, 8, 6, 6, 6, 24]

# Plan targets per park and year: projects over 10, 5 and 1 亿元 (cumulative), section 三(二).
PROJECT_TARGETS: dict[str, dict[int, tuple[int, int, int]]] = {
    "JKQ": {2018: (4, 6, 10), 2019: (5, 7, 15), 2020: (6, 8, 15)},
    "LWXQ": {2018: (4, 8, 10), 2019: (5, 10, 15), 2020: (6, 10, 16)},
    "CJL": {2018: (2, 2, 2), 2019: (2, 3, 3), 2020: (2, 4, 4)},
    "KGXQ": {2018: (1, 1, 1), 2019: (2, 2, 2), 2020: (3, 3, 3)},
    "DZ": {2018: (2, 3, 5), 2019: (3, 4, 6), 2020: (4, 5, 7)},
    "DL": {2018: (2, 3, 5), 2019: (3, 4, 6), 2020: (4, 5, 7)},
    "QS": {2018: (2, 3, 5), 2019: (2, 4, 6), 2020: (2, 5, 7)},
    "CG": {y: (2, 3, 10) for y in (2018, 2019, 2020)},
    "MZGK": {y: (1, 3, 5) for y in (2018, 2019, 2020)},
    "LZ": {y: (1, 3, 5) for y in (2018, 2019, 2020)},
    "DX": {y: (1, 3, 5) for y in (2018, 2019, 2020)},
    "NM": {y: (1, 3, 5) for y in (2018, 2019, 2020)},
}
# Plan targets for 两创 carriers by 2020: (众创空间, 创业创新基地).
CARRIER_TARGETS: dict[str, tuple[int, int]] = {
    "JKQ": (4, 2), "LWXQ": (4, 2), "CJL": (2, 0), "KGXQ": (3, 2), "DZ": (3, 2), "DL": (3, 3),
    "QS": (3, 2), "CG": (3, 3), "MZGK": (3, 2), "LZ": (2, 1), "DX": (2, 1), "NM": (2, 1),
}  # fmt: skip
CARRIER_WORDS = ["青年", "大学生", "雪域", "天路", "创客", "高原", "净土", "文创", "科创",
                 "众创", "星火", "圣地", "格桑花", "扎西", "智汇", "梦工场"]  # fmt: skip
