"""The durable state the client is entitled to believe in, as a set of possibilities.

The card's durable state is, per credential, the tries left and the current value (card
reference §decision-verify). A client that got an answer knows exactly what the command did; a
client whose command was in flight when the simulator was killed knows only that it happened or
did not. So the model is a set of possible states: an answer narrows it to the states the answer
is consistent with (none left is a violation), a lost answer widens it to "before or after".
"""
import json
from dataclasses import dataclass

STATE_FILE = "state.json"


@dataclass(frozen=True)
class Credential:
    """One credential of the JPKI AP: its id in state.json, its EF and its rules."""
    id: str
    file: int
    max_tries: int
    issued: str


@dataclass(frozen=True)
class Command:
    """A command the client sends, in terms the model understands."""
    kind: str           # "query", "verify", "change", "restore"
    credential: str = ""
    value: str = ""


SW_SUCCESS, SW_BLOCKED, SW_NOT_VERIFIED = 0x9000, 0x6984, 0x6982


def retries_left(count):
    return 0x63C0 | count


class DurableModel:
    """Possible durable states: frozensets of (credential id, tries left, value) triples."""

    def __init__(self, credentials):
        self.credentials = {c.id: c for c in credentials}
        self.possible = {self.fresh()}

    def fresh(self):
        return frozenset((c.id, c.max_tries, c.issued) for c in self.credentials.values())

    @staticmethod
    def lookup(state, credential):
        for cid, tries, value in state:
            if cid == credential:
                return tries, value
        raise KeyError(credential)

    @staticmethod
    def with_credential(state, credential, tries, value):
        return frozenset((cid, tries, value) if cid == credential else (cid, t, v) for cid, t, v in state)

    def step(self, state, command, verified):
        """(status word, next state) of `command` on `state`, as card reference §decision-verify and §change-reference-data say."""
        if command.kind == "restore":
            return None, self.fresh()
        tries, value = self.lookup(state, command.credential)
        maximum = self.credentials[command.credential].max_tries
        if command.kind == "query":
            return retries_left(tries), state
        if command.kind == "verify":
            if tries == 0:
                return SW_BLOCKED, state
            if command.value == value:
                return SW_SUCCESS, self.with_credential(state, command.credential, maximum, value)
            return retries_left(tries - 1), self.with_credential(state, command.credential, tries - 1, value)
        if command.kind == "change":
            if tries == 0:
                return SW_BLOCKED, state
            if not verified:
                return SW_NOT_VERIFIED, state
            return SW_SUCCESS, self.with_credential(state, command.credential, maximum, command.value)
        raise ValueError(command.kind)

    def answered(self, command, status, verified=False):
        """Narrows to the states `status` is consistent with; returns False (and keeps the old set)
        when no possible state explains it."""
        narrowed = set()
        for state in self.possible:
            expected, after = self.step(state, command, verified)
            if expected is None or expected == status:
                narrowed.add(after)
        if not narrowed:
            return False
        self.possible = narrowed
        return True

    def lost(self, command):
        """The answer never came: the command happened or it did not."""
        self.possible = self.possible | {self.step(state, command, True)[1] for state in self.possible}

    def candidates(self, credential):
        """The values `credential` may have now, most recent knowledge first (deterministic order)."""
        return sorted({self.lookup(state, credential)[1] for state in self.possible})

    def tries(self, credential):
        return sorted({self.lookup(state, credential)[0] for state in self.possible})

    def state_from_file(self, path):
        """The state a state.json holds (absent file: a fresh card). Raises ValueError if it does
        not parse or does not have the expected shape."""
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except FileNotFoundError:
            return self.fresh()
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("version") != 1 or not isinstance(document.get("credentials"), dict):
            raise ValueError("unexpected shape: %r" % document)
        state = self.fresh()
        for cid, entry in document["credentials"].items():
            if cid not in self.credentials:
                continue
            tries = entry["triesLeft"]
            value = entry.get("changedValue") or self.credentials[cid].issued
            if not isinstance(tries, int) or not 0 <= tries <= self.credentials[cid].max_tries:
                raise ValueError("%s: triesLeft %r out of range" % (cid, tries))
            state = self.with_credential(state, cid, tries, value)
        return state

    def describe(self, state):
        return ", ".join("%s %d tries value %s" % (cid, tries, value) for cid, tries, value in sorted(state))


def model_self_test():
    """The model's own rules, checked once per run (a broken model would prove nothing)."""
    auth = Credential("a", 0x18, 3, "1234")
    model = DurableModel([auth])
    assert model.answered(Command("verify", "a", "0000"), retries_left(2))
    assert model.tries("a") == [2]
    assert not model.answered(Command("query", "a"), retries_left(3)), "an undone 63C2 must be a violation"
    model.lost(Command("verify", "a", "1234"))
    assert model.tries("a") == [2, 3]
    assert model.answered(Command("query", "a"), retries_left(3)) and model.tries("a") == [3]
    model.lost(Command("change", "a", "4321"))
    assert model.candidates("a") == ["1234", "4321"]
    assert model.answered(Command("verify", "a", "4321"), SW_SUCCESS) and model.candidates("a") == ["4321"]
    model.possible = {replace_tries(model, "a", 0)}
    assert model.answered(Command("verify", "a", "4321"), SW_BLOCKED)
    assert model.answered(Command("restore"), None) and model.tries("a") == [3] and model.candidates("a") == ["1234"]


def replace_tries(model, credential, tries):
    state = next(iter(model.possible))
    return model.with_credential(state, credential, tries, model.lookup(state, credential)[1])


