"""The relay publisher gathers py-amqp's frame writes into few socket writes."""

from __future__ import annotations

import pytest

from shared.messaging.publisher import WRITE_CHUNK, _coalesced_writes


class TcpLike:
    """As py-amqp's TCP transport: the writer is an attribute set on the instance."""

    def __init__(self):
        self.sent: list[bytes] = []
        self._write = self.sent.append

    def write(self, data) -> None:  # what py-amqp's frame writer calls
        self._write(data)


class SslLike:
    """As py-amqp's SSL transport: the writer is a method of the class."""

    def __init__(self):
        self.sent: list[bytes] = []

    def _write(self, data) -> None:
        self.sent.append(bytes(data))

    def write(self, data) -> None:
        self._write(data)


@pytest.mark.parametrize("transport_type", [TcpLike, SslLike])
def test_frames_are_sent_together_in_order_and_the_writer_is_put_back(transport_type):
    transport = transport_type()
    writer = transport._write
    frame = bytearray(b"a" * 1000)  # py-amqp reuses one buffer for every frame
    with _coalesced_writes(transport):
        for n in range(150):
            frame[:] = bytes([65 + n % 26]) * 1000
            transport.write(memoryview(frame))
    assert b"".join(transport.sent) == b"".join(bytes([65 + n % 26]) * 1000 for n in range(150))
    assert len(transport.sent) == 150_000 // WRITE_CHUNK + 1  # chunks, then the rest
    assert all(len(chunk) >= WRITE_CHUNK for chunk in transport.sent[:-1])
    assert transport._write == writer
    transport.write(b"after")
    assert transport.sent[-1] == b"after"  # written straight through again


@pytest.mark.parametrize("transport_type", [TcpLike, SslLike])
def test_on_an_error_the_rest_is_not_sent_and_the_writer_is_put_back(transport_type):
    transport = transport_type()
    writer = transport._write
    with pytest.raises(RuntimeError), _coalesced_writes(transport):
        transport.write(b"frame")
        raise RuntimeError("publishing failed")
    assert transport.sent == []
    assert transport._write == writer
