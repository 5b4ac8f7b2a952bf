"""files.uploads.UploadHandler: every chunk hashed (beside the parser) and written in
order, the upload stopped past FILE_MAX_SIZE, an interrupted upload's file removed."""

import hashlib
import os

import pytest

from api.v1.base_models.files.uploads import FileTooLarge, UploadHandler


def receive(handler, chunks):
    handler.new_file("file", "big.bin", "application/octet-stream", None)
    start = 0
    for chunk in chunks:
        assert handler.receive_data_chunk(chunk, start) is None  # no other handler gets it
        start += len(chunk)
    return handler.file_complete(start)


def test_the_chunks_are_hashed_and_written_in_order():
    chunks = [os.urandom(1024 * 1024) for _ in range(5)] + [b"end"]

    upload = receive(UploadHandler(), chunks)

    assert upload.read() == b"".join(chunks)
    assert upload.size == sum(map(len, chunks))
    assert upload.sha256 == hashlib.sha256(b"".join(chunks)).hexdigest()
    upload.close()


def test_past_the_limit_the_upload_stops_with_a_413(settings):
    settings.FILE_MAX_SIZE = 15
    handler = UploadHandler()

    with pytest.raises(FileTooLarge):
        receive(handler, [b"a" * 10, b"b" * 10])
    assert handler.file.closed


def test_an_interrupted_upload_removes_its_file():
    handler = UploadHandler()
    handler.new_file("file", "big.bin", "application/octet-stream", None)
    handler.receive_data_chunk(b"a" * 1000, 0)
    path = handler.file.temporary_file_path()

    handler.upload_interrupted()

    assert not os.path.exists(path)


def test_uploads_received_side_by_side_keep_their_own_checksums():
    """The hashing threads are shared: two uploads' blocks, received in turns, are
    each hashed in their own order."""
    first, second = UploadHandler(), UploadHandler()
    blocks = {first: [], second: []}
    for handler in blocks:
        handler.new_file("file", "big.bin", "application/octet-stream", None)
    for index in range(6):
        for handler, received in blocks.items():
            block = os.urandom(256 * 1024)
            handler.receive_data_chunk(block, index * len(block))
            received.append(block)

    for handler, received in blocks.items():
        upload = handler.file_complete(sum(map(len, received)))
        assert upload.sha256 == hashlib.sha256(b"".join(received)).hexdigest()
        upload.close()
