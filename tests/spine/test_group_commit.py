"""Group commit: saves queued behind a running insert share the next one, and a conflict stays with its save."""

import threading
import time

import pytest
from eventsourcing.persistence import IntegrityError

from ocg.spine.recorder import GroupCommit


class Database:
    """Stands in for the insert call: hands out ids, refuses one poisoned row, and can hold the first call."""

    def __init__(self, poisoned: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.next_id = 1
        self.poisoned = poisoned
        self.first_call_may_finish = threading.Event()

    def insert(self, rows: list[str]) -> list[int]:
        self.calls.append(list(rows))
        if len(self.calls) == 1:
            self.first_call_may_finish.wait(5)
        if self.poisoned in rows:
            raise IntegrityError("duplicate key")
        ids = list(range(self.next_id, self.next_id + len(rows)))
        self.next_id += len(rows)
        return ids


def submit_concurrently(group: GroupCommit, database: Database, saves: list[list[str]]) -> dict:
    outcomes: dict = {}

    def submit(save: list[str]) -> None:
        try:
            outcomes[save[0]] = group.submit(save)
        except IntegrityError as error:
            outcomes[save[0]] = error

    first = threading.Thread(target=submit, args=(saves[0],))
    first.start()
    while not database.calls:
        time.sleep(0.001)
    others = [threading.Thread(target=submit, args=(save,)) for save in saves[1:]]
    for thread in others:
        thread.start()
    while len(group._queue) < len(others):
        time.sleep(0.001)
    database.first_call_may_finish.set()
    for thread in [first, *others]:
        thread.join(5)
    return outcomes


def test_saves_queued_behind_an_insert_share_the_next_one_and_get_their_own_ids():
    database = Database()
    group = GroupCommit(database.insert)

    outcomes = submit_concurrently(group, database, [["a1"], ["b1", "b2"], ["c1"]])

    assert database.calls[0] == ["a1"]
    assert sorted(database.calls[1]) == ["b1", "b2", "c1"]
    assert len(database.calls) == 2
    assert outcomes["a1"] == [1]
    assert sorted(outcomes["b1"] + outcomes["c1"]) == [2, 3, 4]
    assert len(outcomes["b1"]) == 2


def test_a_conflict_in_a_shared_insert_fails_only_the_save_that_caused_it():
    database = Database(poisoned="c1")
    group = GroupCommit(database.insert)

    outcomes = submit_concurrently(group, database, [["a1"], ["b1"], ["c1"], ["d1"]])

    assert isinstance(outcomes["c1"], IntegrityError)
    assert outcomes["a1"] == [1]
    assert all(isinstance(outcomes[name], list) and len(outcomes[name]) == 1 for name in ("b1", "d1"))
    assert group._leaders == 0


def test_a_lone_save_is_written_at_once_and_errors_reach_its_caller():
    database = Database(poisoned="x")
    database.first_call_may_finish.set()
    group = GroupCommit(database.insert)

    assert group.submit(["y"]) == [1]
    with pytest.raises(IntegrityError):
        group.submit(["x"])
    assert group.submit(["z"]) == [2]


def test_with_two_leaders_a_second_insert_runs_while_the_first_is_still_in_flight():
    database = Database()
    group = GroupCommit(database.insert, leaders=2)
    outcomes: dict = {}
    first = threading.Thread(target=lambda: outcomes.update(a1=group.submit(["a1"])))
    first.start()
    while not database.calls:
        time.sleep(0.001)

    second_ids = group.submit(["b1"])

    assert second_ids == [1]
    assert "a1" not in outcomes, "the first insert is still held, yet the second one was not kept waiting"
    database.first_call_may_finish.set()
    first.join(5)
    assert outcomes["a1"] == [2]
    assert group._leaders == 0
