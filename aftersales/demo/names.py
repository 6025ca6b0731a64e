import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕晨辉鹏飞建国志红宇浩然欣怡梓涵子轩雨萱"
    "佳琪思远俊杰文博晓东海燕春梅秋菊国庆立新振华德明淑珍桂芳玉兰宏伟建华"
)
STREETS = (
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "胜利路",
    "朝阳路",
    "光明路",
    "长江路",
    "黄河路",
    "东风路",
    "青年路",
    "花园路",
    "迎宾路",
    "滨江大道",
    "学府路",
    "工业大道",
    "环城北路",
)
COMMUNITIES = ("花园", "小区", "新村", "公寓", "家园", "苑", "雅居", "名都", "国际", "华庭")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def street_address(rng: random.Random) -> str:
    community = rng.choice(STREETS[:10]).replace("路", "") + rng.choice(COMMUNITIES)
    return (
        f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{community}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 32)}{rng.randint(1, 6):02d}室"
    )


MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "177",
    "180",
    "186",
    "187",
    "189",
    "199",
)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def landline_number(rng: random.Random, area_code: str) -> str:
    """The cities in the demo all have 8-digit local numbers, which never start with 0 or 1."""
    return area_code + str(rng.randint(2, 8)) + f"{rng.randint(0, 9_999_999):07d}"
