"""Model backends behind one small interface, a response cache and usage accounting."""
from cap.llm.base import ChatModel, Completion, Usage, backend, create_model

__all__ = ["ChatModel", "Completion", "Usage", "backend", "create_model"]
