"""The reply corpus through the real pipeline: the scripted model server, extraction, checks,
function generation, the sandbox worker and the simulator."""
import pytest

from cap.bench.replies import run_item, verdict
from cap.llm.scripted_server import ScriptedLLM
from tests.replies.corpus import CORPUS


@pytest.fixture(scope="module")
def server():
    server = ScriptedLLM()
    yield server
    server.close()


def test_the_corpus_covers_every_kind():
    kinds = {kind: sum(1 for i in CORPUS if i.kind == kind) for kind in
             ("program", "subprogram", "helper", "raw")}
    assert len(CORPUS) >= 150 and len({i.name for i in CORPUS}) == len(CORPUS)
    assert kinds["program"] >= 52 and kinds["subprogram"] >= 13 and kinds["raw"] >= 18, kinds


@pytest.mark.slow
@pytest.mark.parametrize("item", CORPUS, ids=[i.name for i in CORPUS])
def test_reply_behaves_as_a_good_system_should(item, server):
    outcome, scope = run_item(item, server)
    assert verdict(item, outcome, scope) == "ok", (outcome.error, outcome.programs[:1])
    if not outcome.ok:
        assert outcome.error.startswith("line ") or "check" != outcome.error_kind, outcome.error
