from saiteki.core import registry as reg

reg.registry.register_schedule(
    reg.Schedule(name="flow.tally", job_kind="flow.tally", title="申請の集計", every_minutes=60)
)
