"""The default evaluation rubric (SPEC C4): cost against peers, utilisation, common platforms,
security, BCP and backup, user satisfaction. Admins may change weights and guidance afterwards."""

from django.db import migrations

CRITERIA = [
    ("類似システムとの経費比較", "cost_peers", 3, "5: 類似システムの中央値より2割以上安い／3: 中央値程度／1: 中央値の1.5倍以上"),
    ("サーバの利用率", "utilisation", 2, "5: CPU・メモリの平均利用率が適正（30〜70%）／3: 低いが集約予定あり／1: 10%未満で集約予定なし"),
    ("共通基盤の利用", "common_platform", 2, "5: 共通基盤・クラウド・統合認証を利用／3: 一部利用／1: 単独の物理サーバで利用予定なし"),
    ("セキュリティ", "security", 2, "5: ポリシーに沿い監査指摘なし／3: 軽微な指摘あり／1: 重大な指摘が未対応"),
    ("BCP・バックアップ", "bcp", 2, "5: 基準どおりのバックアップと訓練実施／3: 一部未達／1: バックアップの基準未達"),
    ("利用者満足度", "satisfaction", 1, "5: 満足度調査で80%以上が満足／3: 50〜80%／1: 50%未満または未調査"),
]


def forwards(apps, schema_editor):
    RubricCriterion = apps.get_model("reviews", "RubricCriterion")
    for order, (name, basis, weight, guidance) in enumerate(CRITERIA, start=1):
        RubricCriterion.objects.get_or_create(
            name=name, defaults={"basis": basis, "weight": weight, "guidance": guidance, "order": order * 10}
        )


def backwards(apps, schema_editor):
    apps.get_model("reviews", "RubricCriterion").objects.filter(name__in=[c[0] for c in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
