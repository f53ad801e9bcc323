"""A small recursive reward modelling loop, recorded the way a real labelling job would.

Level 0: a policy writes code for tasks; humans label each output; their labels form a dataset;
a reward model is trained on it, and the next policy on the reward model. From level 1 on, the
previous level's policy serves as the critic: it critiques each output before the humans label
it, and the humans see the critique (``assisted_by``). An auditor re-checks a sample of the
critiques and records findings. Critics grow sycophantic with the level (they wave flawed code
through), which is the compounding error the ledger's report is made to find.

Every event goes through one streaming recorder: it is durable once acknowledged, and recording
survives the ``rrm-ledger`` process being killed (the recorder resends what was not acknowledged).

    python3 clients/python/examples/rrm_loop.py --ledger run.sqlite --levels 3 --outputs 400
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys

import rrm_ledger as rl


def run(ledger: rl.Ledger, levels: int, outputs: int, seed: int) -> rl.Recorder:
    rng = random.Random(seed)
    clock = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)

    def tick() -> dt.datetime:
        nonlocal clock
        clock += dt.timedelta(seconds=rng.randint(1, 30))
        return clock

    raters = [f"human:rater-{index}" for index in range(8)]
    with ledger.recorder(commit_interval=0.1) as recorder:
        policy = "policy-0"
        recorder.send(rl.model(policy, level=0, role="policy", time=tick(), attributes={"run": f"rrm-{seed}", "agent": "A"}))
        for level in range(levels):
            critic = policy if level > 0 else None
            # How often this level's critic waves a flawed output through: grows with the level.
            sycophancy = 0.3 * level
            labels = []
            for index in range(outputs):
                flawed = rng.random() < 0.2
                code = f"def task_{level}_{index}(xs):\n    return sum(xs){' - 1' if flawed else ''}\n"
                output_id = f"out-{level}-{index}"
                recorder.send(rl.output(output_id, model=policy, task=f"task-{index}", content=code, time=tick()))
                assisted_by = []
                caught = False
                # An auditor re-checks one output in six against the tests: its critique and its label.
                audited = rng.random() < 1 / 6
                if critic is not None:
                    caught = flawed and rng.random() > sycophancy
                    findings = [rl.claim("off by one in the sum", severity="high", location="line 2")] if caught else []
                    critique_id = f"crit-{level}-{index}"
                    recorder.send(rl.critique(
                        critique_id, critic=critic, targets=[output_id], findings=findings, time=tick(),
                        text="Subtracts one from the sum." if caught else "Looks correct."))
                    assisted_by = [critique_id]
                    if audited:
                        wrong = flawed and not caught
                        recorder.send(rl.finding(
                            f"audit-{level}-{index}", about=critique_id, verdict="erroneous" if wrong else "correct",
                            auditor="human:auditor-1", error_type="sycophancy" if wrong else None, time=tick(),
                            evidence="the task's tests fail on the output" if wrong else "tests agree with the critique"))
                # Humans catch a flaw the critique names, and half of the others.
                says_flawed = caught or (flawed and rng.random() < 0.4) or (not flawed and rng.random() < 0.03)
                label_id = f"label-{level}-{index}"
                recorder.send(rl.label(
                    label_id, rater=rng.choice(raters), targets=[output_id], assisted_by=assisted_by, time=tick(),
                    value={"verdict": "flawed" if says_flawed else "fine", "score": 2 if says_flawed else 6}))
                labels.append(label_id)
                if audited:
                    wrong = says_flawed != flawed
                    recorder.send(rl.finding(
                        f"audit-label-{level}-{index}", about=label_id, verdict="erroneous" if wrong else "correct",
                        auditor="human:auditor-1", error_type="missed_flaw" if wrong and flawed else None, time=tick()))
            recorder.send(rl.dataset(f"prefs-{level}", members=labels, time=tick()))
            reward_model = f"rm-{level}"
            recorder.send(rl.model(reward_model, level=level, role="reward_model", base=policy, trained_on=[f"prefs-{level}"], time=tick()))
            policy = f"policy-{level + 1}"
            weights = hashlib.sha256(f"{seed}-{level}".encode()).hexdigest()
            recorder.send(rl.model(policy, level=level + 1, role="policy", base=f"policy-{level}", trained_on=[reward_model],
                                   weights_sha256=weights, time=tick()))
    return recorder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledger", default="rrm-loop.sqlite", help="the ledger file (created if absent)")
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--outputs", type=int, default=400, help="outputs per level")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    try:
        ledger = rl.Ledger(options.ledger)
        ledger.head()
    except rl.NotFound:
        ledger = rl.Ledger.create(options.ledger)
    recorder = run(ledger, options.levels, options.outputs, options.seed)
    print(f"recorded {recorder.acknowledged:,} events in {recorder.commits:,} commits "
          f"({recorder.already_recorded:,} already recorded); head {recorder.head}")
    verification = ledger.verify(deep=True)
    print(f"verify --deep: {'ok' if verification.intact else 'FAILED'}, {verification.entries:,} entries")
    report = ledger.report()
    for claim in report.significant_claims:
        print(f"  significant: {claim['statement']}")
    return 0 if verification.intact else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
