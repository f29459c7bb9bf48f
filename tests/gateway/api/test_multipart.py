"""The shared multipart reader: every broken form is a 4xx naming what is wrong."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.api._multipart import form_parts, read_part, read_text
from gateway.errors import error_middleware

LIMIT = 1000


async def echo(request: web.Request) -> web.Response:
    seen: dict[str, Any] = {}
    async for part in form_parts(request):
        if part.filename is not None:
            seen[str(part.name)] = len(await read_part(part, limit=LIMIT, field=str(part.name)))
        else:
            seen[str(part.name)] = await read_text(part, limit=LIMIT, field=str(part.name))
    return web.json_response(seen)


@pytest.fixture
async def client(aiohttp_client: Any) -> TestClient[Any, Any]:
    app = web.Application(middlewares=[error_middleware])
    app.router.add_post("/upload", echo)
    result: TestClient[Any, Any] = await aiohttp_client(app)
    return result


def form(*parts: tuple[str, bytes | str, dict[str, str]]) -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("form-data")
    for name, value, headers in parts:
        filename = headers.pop("X-Filename", None)
        part = writer.append(value, headers)
        if filename is None:
            part.set_content_disposition("form-data", name=name)
        else:
            part.set_content_disposition("form-data", name=name, filename=filename)
    return writer


async def status_and_body(response: aiohttp.ClientResponse) -> tuple[int, dict[str, Any]]:
    return response.status, json.loads(await response.text())


async def test_fields_and_files_are_read(client: TestClient[Any, Any]) -> None:
    writer = form(("body", "Bonjour, ça va ?", {"Content-Type": "text/plain; charset=utf-8"}),
                  ("file", b"\x00" * LIMIT, {"X-Filename": "card.png",
                                              "Content-Type": "image/png"}))
    response = await client.post("/upload", data=writer)
    assert await status_and_body(response) == (200, {"body": "Bonjour, ça va ?",
                                                     "file": LIMIT})


async def test_a_file_over_its_limit_is_413(client: TestClient[Any, Any]) -> None:
    writer = form(("file", b"\x00" * (LIMIT + 1), {"X-Filename": "big.bin",
                                                     "Content-Type": "application/pdf"}))
    status, body = await status_and_body(await client.post("/upload", data=writer))
    assert status == 413 and body["field"] == "file"


async def test_a_base64_part_is_decoded_and_held_to_its_limit(
    client: TestClient[Any, Any]
) -> None:
    def upload(size: int) -> bytes:
        encoded = base64.b64encode(b"\x00" * size)
        return (b'--XX\r\nContent-Disposition: form-data; name="file"; filename="z.bin"\r\n'
                b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--XX--\r\n")

    headers = {"Content-Type": "multipart/form-data; boundary=XX"}
    response = await client.post("/upload", data=upload(LIMIT // 2), headers=headers)
    assert await status_and_body(response) == (200, {"file": LIMIT // 2})
    # 900 bytes encode to 1,200, more than the limit: what counts is the decoded size.
    response = await client.post("/upload", data=upload(LIMIT - 100), headers=headers)
    assert response.status == 200
    status, body = await status_and_body(
        await client.post("/upload", data=upload(LIMIT + 10), headers=headers))
    assert status == 413 and body["field"] == "file"


async def test_text_not_in_its_charset_is_422(client: TestClient[Any, Any]) -> None:
    writer = form(("body", b"\xff\xfe\xfa", {"Content-Type": "text/plain; charset=utf-8"}))
    status, body = await status_and_body(await client.post("/upload", data=writer))
    assert status == 422 and body["field"] == "body"


async def test_text_over_its_limit_is_422(client: TestClient[Any, Any]) -> None:
    writer = form(("body", "é" * (LIMIT + 1), {"Content-Type": "text/plain; charset=utf-8"}))
    status, _ = await status_and_body(await client.post("/upload", data=writer))
    assert status == 422


@pytest.mark.parametrize("raw", [
    b"--XX\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\ncut short",
    b"no boundary at all",
])
async def test_a_broken_form_is_400(client: TestClient[Any, Any], raw: bytes) -> None:
    response = await client.post("/upload", data=raw, headers={
        "Content-Type": "multipart/form-data; boundary=XX"})
    status, body = await status_and_body(response)
    assert status == 400 and "could not be read" in body["message"]


async def test_an_unknown_transfer_encoding_is_400(client: TestClient[Any, Any]) -> None:
    raw = (b'--XX\r\nContent-Disposition: form-data; name="a"\r\n'
           b"Content-Transfer-Encoding: bogus\r\n\r\nx\r\n--XX--\r\n")
    response = await client.post("/upload", data=raw, headers={
        "Content-Type": "multipart/form-data; boundary=XX"})
    status, body = await status_and_body(response)
    assert status == 400 and body["field"] == "a"


async def test_a_nested_multipart_is_400(client: TestClient[Any, Any]) -> None:
    inner = aiohttp.MultipartWriter("mixed")
    inner.append("x")
    outer = aiohttp.MultipartWriter("form-data")
    outer.append(inner)
    status, body = await status_and_body(await client.post("/upload", data=outer))
    assert status == 400 and "nested" in body["message"]


async def test_another_content_type_is_415(client: TestClient[Any, Any]) -> None:
    response = await client.post("/upload", json={"body": "hi"})
    assert response.status == 415
