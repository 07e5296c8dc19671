"""A workflow app that exists only in the test settings: a request with states and guarded
transitions, a job kind and a schedule — the platform's workflow, inbox and scheduler tested without
any real capability app."""

from saiteki.core import registry as reg


class FlowConfig(reg.SaitekiAppConfig):
    name = "saiteki.core.tests.flow"
    label = "flow"
    verbose_name = "テスト用ワークフロー"
    url_prefix = "flow/"
