"""A TCP proxy that counts round trips: each time a client speaks after the server has.

Put between Diego and PostgreSQL, it counts what the network would charge for: a
query, a commit, a connection's start-up, however the driver batches them.
"""

import asyncio
import threading


class RoundTripCounter:
    """Forwards 127.0.0.1:`port` to `host`:`target_port` in a thread of its own."""

    def __init__(self, host: str, target_port: int):
        self.host, self.target_port = host, target_port
        self.round_trips = 0
        self.port = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "RoundTripCounter":
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc_info) -> None:
        asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _shut_down(self) -> None:
        self._server.close()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _connection(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection(self.host, self.target_port)
        turn = ["server"]  # who spoke last: the client's next words start a round trip

        async def pipe(reader, writer, side: str) -> None:
            try:
                while data := await reader.read(65536):
                    if side == "client" and turn[0] == "server":
                        self.round_trips += 1
                    turn[0] = side
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        await asyncio.gather(
            pipe(client_reader, server_writer, "client"),
            pipe(server_reader, client_writer, "server"),
        )
