"""Test models: a division-owned object with a direct path and a child with a nested one."""

from django.db import models

from saiteki.core.models import BusinessModel


class Gadget(BusinessModel):
    division_path = "division"

    code = models.CharField("コード", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    division = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, verbose_name="所属")
    amount = models.BigIntegerField("金額", default=0)

    def __str__(self) -> str:
        return self.name


class GadgetPart(BusinessModel):
    division_path = "gadget__division"

    gadget = models.ForeignKey(Gadget, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField("部品名", max_length=100)

    def __str__(self) -> str:
        return self.name
