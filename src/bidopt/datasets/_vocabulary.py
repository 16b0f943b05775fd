"""Vocabulary of the synthetic Taobao-style account: categories, products, brands.

Keywords are built as real Taobao queries are: a product word combined with a brand
(Chinese or Latin), an attribute and sometimes a model series (``海尔冰箱双门``,
``tasco望远镜``, ``伊莱克斯冰箱led灯``).  Attributes are shared across categories
(``新款``, ``家用``, ``正品``) and several brands sell in more than one category
(``小米``, ``李宁``), so themes share words, as they do in real accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATEGORIES", "GENERAL_ATTRIBUTES", "TRADITIONAL", "Category"]


@dataclass(frozen=True, slots=True)
class Category:
    """One product category: a campaign of the synthetic account."""

    name: str
    products: tuple[str, ...]
    brands: tuple[str, ...]
    attributes: tuple[str, ...]
    #: Typical order value, yuan.
    order_value: float


CATEGORIES: tuple[Category, ...] = (
    Category(
        "家电",
        ("冰箱", "洗衣机", "空调", "电视", "微波炉", "电饭煲", "吸尘器", "扫地机器人", "热水器",
         "电风扇"),
        ("海尔", "美的", "格力", "伊莱克斯", "西门子", "松下", "小米", "haier", "midea", "philips",
         "tcl"),
        ("家用", "双门", "变频", "一级能效", "静音", "小型", "大容量", "智能", "led灯", "节能",
         "滚筒", "挂机"),
        420.0,
    ),
    Category(
        "数码",
        ("手机", "耳机", "平板", "充电宝", "手机壳", "数据线", "蓝牙音箱", "智能手表", "望远镜",
         "相机"),
        ("华为", "小米", "苹果", "索尼", "漫步者", "倍思", "apple", "sony", "tasco", "oppo", "vivo",
         "anker"),
        ("无线", "蓝牙", "降噪", "快充", "5g", "防水", "高清", "夜视", "usb", "typec", "pro",
         "max"),
        260.0,
    ),
    Category(
        "服饰",
        ("连衣裙", "t恤", "卫衣", "牛仔裤", "羽绒服", "衬衫", "半身裙", "外套"),
        ("优衣库", "太平鸟", "森马", "李宁", "安踏", "uniqlo", "zara", "nike"),
        ("女", "男", "夏季", "宽松", "长款", "修身", "纯棉", "加厚", "大码", "黑色", "白色",
         "红色"),
        150.0,
    ),
    Category(
        "鞋靴",
        ("运动鞋", "跑步鞋", "帆布鞋", "马丁靴", "拖鞋", "板鞋"),
        ("耐克", "阿迪达斯", "李宁", "安踏", "回力", "nike", "adidas", "vans", "skechers"),
        ("男", "女", "透气", "减震", "轻便", "防滑", "白色", "高帮", "低帮", "黑色"),
        210.0,
    ),
    Category(
        "美妆",
        ("口红", "面膜", "洗面奶", "粉底液", "防晒霜", "精华", "香水", "眼霜"),
        ("兰蔻", "雅诗兰黛", "欧莱雅", "完美日记", "花西子", "迪奥", "dior", "ysl", "mac",
         "loreal"),
        ("保湿", "补水", "美白", "控油", "持久", "哑光", "敏感肌", "套装", "小样", "礼盒"),
        160.0,
    ),
    Category(
        "个护",
        ("洗发水", "沐浴露", "牙膏", "电动牙刷", "剃须刀", "吹风机"),
        ("海飞丝", "飘柔", "舒肤佳", "云南白药", "飞利浦", "戴森", "dyson", "oralb", "braun",
         "飞科"),
        ("去屑", "控油", "柔顺", "美白", "负离子", "便携", "充电式", "家庭装", "男士"),
        90.0,
    ),
    Category(
        "食品",
        ("坚果", "零食", "牛奶", "咖啡", "茶叶", "大米", "巧克力"),
        ("三只松鼠", "良品铺子", "伊利", "蒙牛", "雀巢", "百草味", "nestle", "lindt"),
        ("礼盒", "整箱", "进口", "低脂", "无糖", "散装", "新货", "特级", "每日", "小包装"),
        70.0,
    ),
    Category(
        "母婴",
        ("纸尿裤", "奶粉", "婴儿车", "儿童座椅", "奶瓶", "湿巾"),
        ("帮宝适", "花王", "好奇", "美赞臣", "飞鹤", "好孩子", "pampers", "huggies", "bebebus"),
        ("新生儿", "超薄", "透气", "一段", "二段", "三段", "轻便", "可折叠", "便携", "婴儿"),
        170.0,
    ),
    Category(
        "家居",
        ("床垫", "沙发", "枕头", "四件套", "收纳箱", "窗帘", "台灯"),
        ("宜家", "顾家", "水星家纺", "罗莱", "全友", "慕思", "ikea"),
        ("乳胶", "记忆棉", "纯棉", "北欧", "实木", "遮光", "护眼", "加厚", "简约", "卧室"),
        260.0,
    ),
    Category(
        "运动户外",
        ("瑜伽垫", "跑步机", "哑铃", "帐篷", "登山包", "冲锋衣", "自行车", "羽毛球拍"),
        ("迪卡侬", "李宁", "尤尼克斯", "牧高笛", "探路者", "凯乐石", "salewa", "yonex",
         "decathlon"),
        ("防水", "加厚", "户外", "专业", "折叠", "家用", "轻量", "碳素", "男", "女"),
        220.0,
    ),
)

#: Attributes any category's keywords may carry.
GENERAL_ATTRIBUTES: tuple[str, ...] = (
    "新款", "正品", "官方", "旗舰店", "24新款", "包邮", "推荐", "哪个好", "价格", "特价",
    "同款", "官网",
)

#: Simplified -> traditional characters for the words above (a subset of OpenCC's table),
#: used to make a few keywords traditional as some shoppers type them.
TRADITIONAL: dict[str, str] = {
    "机": "機", "电": "電", "灯": "燈", "门": "門", "频": "頻", "级": "級",     "静": "靜", "调": "調", "视": "視", "饭": "飯", "锅": "鍋", "热": "熱", "风": "風",
    "尘": "塵", "线": "線", "蓝": "藍",     "表": "錶", "远": "遠", "镜": "鏡", "连": "連", "卫": "衛",
    "裤": "褲", "绒": "絨", "衬": "襯", "运": "運", "动": "動",     "马": "馬", "红": "紅", "面": "麵", "华": "華", "为": "為",
    "乐": "樂", "宝": "寶", "发": "髮", "须": "鬚", "云": "雲",
    "儿": "兒", "婴": "嬰", "车": "車", "纸": "紙",     "湿": "濕", "垫": "墊",     "头": "頭", "帘": "簾", "台": "檯", "铃": "鈴", "帐": "帳",
    "冲": "衝", "锋": "鋒",     "长": "長", "无": "無", "护": "護",
    "轻": "輕", "双": "雙", "变": "變", "节": "節", "滚": "滾",     "挂": "掛", "数": "數", "据": "據", "响": "響",     "声": "聲", "苹": "蘋",     "缓": "緩", "减": "減", "阳": "陽", }
