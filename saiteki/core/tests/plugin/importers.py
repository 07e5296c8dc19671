"""The plugin's importer: declared here, registered with the platform, never named by core."""

from saiteki.core import registry as reg
from saiteki.core.importing.declared import Field, ModelImporter

from .models import Gadget


class GadgetImporter(ModelImporter):
    label = "ガジェット"
    model = Gadget
    touches = (Gadget,)
    uses_unit = True
    key = ("code",)
    fields = (
        Field("code"),
        Field("name"),
        Field("division", lookup="name"),
        Field("amount", kind="amount"),
    )


reg.registry.register_importer("plugin.gadgets", GadgetImporter)
