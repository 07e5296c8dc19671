"""The order of recovery (pure): dependencies first, urgency inherited, cycles reported with their path."""

from saiteki.resilience.recovery import Node, recovery_order


def nodes(*specs):
    return [Node(i, f"S{i:03d}", rank, rto) for i, rank, rto in specs]


def order(plan):
    return [s.node.number for s in plan.steps]


def test_dependencies_come_first_and_stages_count_the_longest_chain():
    # 1 auth ← 2 mail ← 3 disaster info; 4 tax ← 1
    plan = recovery_order(
        nodes((1, "B", 72), (2, "A", 24), (3, "A", 12), (4, "C", 168)), {2: [1], 3: [2], 4: [1]}
    )
    assert order(plan) == ["S001", "S002", "S003", "S004"]
    assert [s.stage for s in plan.steps] == [1, 2, 3, 2]
    assert not plan.cycles and not plan.blocked


def test_a_dependency_inherits_the_urgency_of_what_needs_it():
    # 5 (D, 720h) is needed by 6 (A, 6h); 7 (B, 72h) is independent: 5 must come before 7.
    plan = recovery_order(nodes((5, "D", 720), (6, "A", 6), (7, "B", 72)), {6: [5]})
    assert order(plan) == ["S005", "S006", "S007"]
    first = plan.steps[0]
    assert (first.effective_rank, first.effective_rto) == ("A", 6)
    assert plan.warnings and plan.warnings[0].dependency.number == "S005"  # 720h dependency of a 6h system


def test_ties_are_broken_by_rto_then_number():
    plan = recovery_order(nodes((3, "B", 72), (2, "B", 48), (1, "B", 72)), {})
    assert order(plan) == ["S002", "S001", "S003"]


def test_a_cycle_is_reported_with_its_path_and_what_depends_on_it_is_blocked():
    # 1 → 2 → 3 → 1 is a cycle; 4 depends on 3 (blocked behind it); 5 is independent.
    plan = recovery_order(
        nodes((1, "A", 24), (2, "B", 72), (3, "C", 168), (4, "A", 12), (5, "D", 720)),
        {1: [2], 2: [3], 3: [1], 4: [3]},
    )
    assert order(plan) == ["S005"]
    assert [[n.number for n in c] for c in plan.cycles] == [["S001", "S002", "S003", "S001"]]
    assert [n.number for n in plan.blocked] == ["S001", "S002", "S003", "S004"]


def test_two_cycles_and_a_self_dependency():
    plan = recovery_order(
        nodes((1, "A", 24), (2, "A", 24), (3, "B", 72), (4, "B", 72), (5, "C", 1)),
        {1: [2], 2: [1], 3: [4], 4: [3], 5: [5]},
    )
    assert [[n.number for n in c] for c in plan.cycles] == [
        ["S001", "S002", "S001"],
        ["S003", "S004", "S003"],
        ["S005", "S005"],
    ]
    assert plan.steps == []


def test_a_system_without_a_profile_is_placed_before_what_needs_it():
    plan = recovery_order([Node(1, "S001"), Node(2, "S002", "A", 24)], {2: [1]})
    assert order(plan) == ["S001", "S002"]
    assert plan.steps[0].node.rank is None and plan.steps[0].effective_rank == "A"
