"""A local Telegram Bot API stub for end-to-end tests (contract: /work/shared/TELEGRAM-STUB.md).

The bot runs unmodified against it through aiogram's official seam,
``AiohttpSession(api=TelegramAPIServer.from_base(stub.url))``.
"""

from tests.telegram_stub.faults import Fault
from tests.telegram_stub.server import StoredMessage, StubServer, Upload

__all__ = ["Fault", "StoredMessage", "StubServer", "Upload"]
