"""Seed eight short safety articles, one per main class of the default taxonomy,
in Chinese and English. Administrators edit or add more in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "e-bike-charging",
        "categories": ["01", "0103"],
        "title": "电动自行车不进楼、不入户、不飞线充电",
        "title_en": "Keep e-bikes out of the building when charging",
        "body": (
            "电动自行车锂电池一旦热失控，几十秒内就会喷出大火和有毒浓烟，楼道和室内"
            "是逃生的必经之路，一辆车起火就可能堵死整栋楼的疏散通道。\n\n"
            "请在小区集中充电棚或带有自动断电功能的充电桩充电，不要把电动车或电池带进"
            "楼道、电梯和家中，也不要从窗口拉电线“飞线”充电。\n\n"
            "使用原厂或合格的充电器，充满即断电，不要整夜充电；电池鼓包、漏液、"
            "发热异常时立即停用并更换。\n\n"
            "发现楼道停放电动车或飞线充电，可以在“上报”中选择"
            "“电动自行车进楼入户或飞线充电”。"
        ),
        "body_en": (
            "When an e-bike's lithium battery overheats it can burst into flames and "
            "thick toxic smoke within seconds. Corridors and stairs are everyone's way out: "
            "one burning bike can block the escape route of a whole building.\n\n"
            "Charge at the estate's charging shed or at chargers that switch off "
            "automatically. Never take the bike or its battery into corridors, lifts or "
            "your home, and never run a cable out of a window to charge it.\n\n"
            "Use the original or a certified charger and unplug when full; do not charge "
            "overnight. Stop using a battery that is swollen, leaking or unusually hot.\n\n"
            "If you see e-bikes parked in a corridor or charged by a dangling cable, report "
            "it under “E-bike kept indoors or charged by fly wire”."
        ),
    },
    {
        "slug": "objects-thrown-from-height",
        "categories": ["02", "0204"],
        "title": "高空抛物害人害己",
        "title_en": "Never throw anything from a height",
        "body": (
            "从高处落下的物品速度很快：一个鸡蛋从十几层落下就可能致人重伤。"
            "高空抛物、坠物造成他人损害的，行为人要承担法律责任，情节严重的构成犯罪。\n\n"
            "不要从窗口、阳台往外扔任何东西；阳台上的花盆、杂物要固定或移到室内，"
            "教育孩子不在窗边玩耍、不往下扔东西。\n\n"
            "走路时尽量远离楼房外墙，不在楼下长时间停留；发现有人抛物或窗台物品"
            "有坠落风险，请及时上报“高空抛物隐患”，便于社区加装监控和提醒住户。"
        ),
        "body_en": (
            "Objects falling from a height are fast: an egg dropped from a high floor can "
            "badly injure someone. Whoever throws things from a building is liable for the "
            "harm, and serious cases are a crime.\n\n"
            "Never throw anything out of a window or off a balcony. Fix flower pots and "
            "other items on the balcony or bring them inside, and teach children not to "
            "play at windows or drop things.\n\n"
            "Walk a little away from building walls and do not linger below windows. If "
            "you see things thrown down or items on a sill that may fall, report a "
            "“Risk of objects thrown from height” so the community can add cameras and "
            "remind residents."
        ),
    },
    {
        "slug": "trapped-in-a-lift",
        "categories": ["03", "0302"],
        "title": "被困电梯时保持冷静，按铃等待救援",
        "title_en": "Trapped in a lift: stay calm and call for help",
        "body": (
            "电梯有多重安全保护，轿厢不会因为停运而缺氧，也不会直接坠落，被困时最重要的是保持冷静。\n\n"
            "按下轿厢内的警铃或对讲按钮，拨打电梯内张贴的救援电话或 96333（电梯应急处置电话，"
            "部分城市适用），说清小区、楼栋和电梯编号；也可以拨打 119。\n\n"
            "不要扒门、撬门，不要试图从轿厢顶部或门缝爬出，不要在轿厢内蹦跳。"
            "等待专业人员到场救援。\n\n"
            "电梯有异响、抖动、平层不准或经常停运，请上报“电梯故障”，"
            "物业和维保单位会按期限处理。"
        ),
        "body_en": (
            "Lifts have several safety systems: a stopped car does not run out of air and "
            "does not simply drop. The most important thing is to stay calm.\n\n"
            "Press the alarm bell or intercom button in the car and call the rescue number "
            "posted inside (in many cities 96333, the lift emergency line), giving the "
            "estate, building and lift number; you can also call 119.\n\n"
            "Do not force or pry the doors open, do not try to climb out through the roof "
            "or a gap, and do not jump inside the car. Wait for the rescue team.\n\n"
            "If a lift makes strange noises, shakes, stops out of level or breaks down "
            "often, report a “Lift fault”: the property manager and the maintenance company "
            "must deal with it within the time limit."
        ),
    },
    {
        "slug": "drowning-prevention",
        "categories": ["04", "0407"],
        "title": "远离无防护水域，预防溺水",
        "title_en": "Stay away from unguarded water",
        "body": (
            "河道、池塘、水库和工地积水坑往往水深不明、水下地形复杂，"
            "夏季和假期是儿童溺水的高发期。\n\n"
            "不私自下水游泳，不在无安全设施、无救援人员的水域游泳；"
            "家长要看护好孩子，不让孩子结伴到水边玩耍。\n\n"
            "发现有人落水，立即大声呼救并拨打 110 或 120，利用救生圈、竹竿、绳子等施救，"
            "不要贸然下水，更不要手拉手下水救人。\n\n"
            "护栏缺失、警示牌损坏的水边，请上报“水体溺水风险”。"
        ),
        "body_en": (
            "Rivers, ponds, reservoirs and flooded pits on building sites hide unknown "
            "depths and uneven bottoms. Summer and school holidays are when most children "
            "drown.\n\n"
            "Do not swim alone or in water without safety equipment and lifeguards. "
            "Parents: keep children in sight and do not let them play by the water on "
            "their own.\n\n"
            "If someone falls in, shout for help and call 110 or 120 at once. Reach or "
            "throw something that floats, a pole or a rope; do not jump in, and never form "
            "a human chain.\n\n"
            "Report water's edges with missing railings or broken warning signs as "
            "“Drowning risk at open water”."
        ),
    },
    {
        "slug": "elderly-living-alone",
        "categories": ["05", "0501"],
        "title": "独居老人居家安全小贴士",
        "title_en": "Home safety for older people living alone",
        "body": (
            "跌倒、用火用气不慎和突发疾病是独居老人在家中最常见的风险。\n\n"
            "卫生间和床边加装扶手、铺防滑垫，夜间保持通道照明；"
            "用燃气灶做饭时人不离开，选用带熄火保护的灶具，可以加装燃气报警器和烟感报警器。\n\n"
            "常用药品和急救电话放在容易拿到的地方，与子女、邻居或楼栋长约定每天联系一次。\n\n"
            "如果您发现身边的独居老人家中存在安全隐患，可以上报“独居老人居家安全隐患”，"
            "社区会安排上门查看，个人信息不会公开。"
        ),
        "body_en": (
            "Falls, careless use of fire or gas, and sudden illness are the most common "
            "risks for older people who live alone.\n\n"
            "Fit grab bars in the bathroom and by the bed, use non-slip mats and keep a "
            "light on along the way at night. Stay in the kitchen while the gas is on, use "
            "a hob with a flame-failure device, and consider gas and smoke alarms.\n\n"
            "Keep everyday medicines and emergency numbers within easy reach, and agree on "
            "a daily call with family, a neighbour or the building leader.\n\n"
            "If you notice a hazard in the home of an older neighbour living alone, report "
            "“Elderly person living alone: home safety”: the community will visit, and "
            "personal details are never made public."
        ),
    },
    {
        "slug": "waterlogging",
        "categories": ["06", "0601"],
        "title": "暴雨积水时这样避险",
        "title_en": "Staying safe when heavy rain floods the streets",
        "body": (
            "暴雨预警发布后，尽量减少外出，提前把车辆从地下车库和低洼处移到高处，"
            "地下室、一楼住户准备好沙袋和挡水板。\n\n"
            "不要涉水通过积水路段：水下可能有打开的井盖、坑洞，还可能有漏电。"
            "远离电线杆、变压器和路灯杆。\n\n"
            "车辆在积水中熄火后不要再次启动，水位上涨时立即弃车到高处。"
            "车库、地下通道进水时尽快撤离，不要进入。\n\n"
            "经常积水的地点，请上报“易涝积水点”，以便暴雨前提前布防。"
        ),
        "body_en": (
            "When a rainstorm warning is issued, stay in if you can. Move cars out of "
            "underground garages and low spots in good time; basement and ground-floor "
            "households should have sandbags or flood boards ready.\n\n"
            "Do not wade through flooded streets: the water may hide open manholes, holes "
            "and live electricity. Keep away from power poles, transformers and lamp posts.\n\n"
            "If your car stalls in water, do not restart it; leave it and get to higher "
            "ground if the water rises. Leave garages and underpasses that are taking water "
            "and do not go in.\n\n"
            "Report places that flood again and again as a “Waterlogging point”, so that "
            "they can be protected before the next storm."
        ),
    },
    {
        "slug": "gas-leak",
        "categories": ["07", "0703", "0701"],
        "title": "闻到燃气味怎么办",
        "title_en": "What to do if you smell gas",
        "body": (
            "闻到燃气味，先关闭灶前阀门或燃气总阀，轻轻打开门窗通风。\n\n"
            "不要开关任何电器（包括电灯、抽油烟机、门铃），不要在室内打电话，"
            "不要使用明火，以免产生火花引发爆炸。\n\n"
            "迅速离开房间，到室外安全地点后拨打燃气公司抢修电话或 119。\n\n"
            "平时定期检查燃气软管，使用不锈钢波纹管，软管老化、开裂或超过使用年限要及时更换；"
            "不要在燃气管道上挂物，不要私自改装、包封燃气管道。"
            "发现管道被占压或邻里有燃气异味，请上报“燃气泄漏或管道被占压”。"
        ),
        "body_en": (
            "If you smell gas, first close the valve in front of the hob or the main gas "
            "valve, then gently open doors and windows.\n\n"
            "Do not switch any electrical device on or off (lights, cooker hood, doorbell), "
            "do not make phone calls indoors and do not use an open flame: a spark can "
            "cause an explosion.\n\n"
            "Leave quickly, and once you are outside and safe, call the gas company's "
            "emergency line or 119.\n\n"
            "Check gas hoses regularly; prefer stainless steel corrugated hoses and replace "
            "hoses that are old, cracked or past their service life. Do not hang things on "
            "gas pipes or box them in or alter them yourself. If a pipe is built over or "
            "you smell gas near a neighbour's home, report a “Gas leak or pipe built over”."
        ),
    },
    {
        "slug": "load-bearing-walls",
        "categories": ["08", "0803", "0801"],
        "title": "装修不能拆改承重墙",
        "title_en": "Renovations must not touch load-bearing walls",
        "body": (
            "承重墙、梁、柱和楼板支撑着整栋楼的重量，擅自拆除、开洞或加层，"
            "会危及全楼住户的安全，也是法律明令禁止的。\n\n"
            "装修前请向物业办理装修登记，看清房屋图纸，涉及结构的改动要由原设计单位"
            "或有资质的设计单位出具方案并依法报批。\n\n"
            "发现墙体、梁柱出现明显裂缝、裂缝不断变宽，或者邻居装修时拆改承重结构，"
            "请上报“房屋墙体、梁柱开裂”或“擅自改变房屋承重结构”，专业人员会上门核查。"
        ),
        "body_en": (
            "Load-bearing walls, beams, columns and floor slabs carry the weight of the "
            "whole building. Removing them, cutting openings or adding floors without "
            "approval endangers every household in the building and is forbidden by law.\n\n"
            "Register your renovation with the property manager first and check the "
            "building plans. Any structural change needs a design by the original or a "
            "qualified designer and the approvals the law requires.\n\n"
            "If walls, beams or columns show clear cracks, or cracks that keep widening, or "
            "a neighbour's renovation touches the structure, report “Cracks in walls or "
            "beams” or “Unauthorised structural alteration”: specialists will come and check."
        ),
    },
]


def seed(apps: Any, schema_editor: Any) -> None:
    Article = apps.get_model("knowledge", "Article")
    Category = apps.get_model("taxonomy", "Category")
    for order, data in enumerate(ARTICLES, start=1):
        values = {k: v for k, v in data.items() if k not in ("slug", "categories")}
        article, created = Article.objects.get_or_create(
            slug=data["slug"], defaults={**values, "is_published": True, "ordering": order * 10}
        )
        if created:
            article.categories.set(Category.objects.filter(code__in=data["categories"]))


def unseed(apps: Any, schema_editor: Any) -> None:
    Article = apps.get_model("knowledge", "Article")
    Article.objects.filter(slug__in=[a["slug"] for a in ARTICLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("taxonomy", "0002_load_default_categories"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
