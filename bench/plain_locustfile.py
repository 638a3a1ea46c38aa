"""A plain Locust script sending the flows of `mpsd-conformance load`: bench.load_vs_locust's baseline.

No observations, no pacing, no invariants: a host creates its group's session and stays, the others
read it, join, make synchronized writes (If-Match, retried on 412) and leave. The target comes
from the target.toml named by MPSD_BENCH_TARGET.

    MPSD_BENCH_TARGET=target.toml locust -f bench/plain_locustfile.py --headless -u 24 -r 24 -t 15s
"""

from __future__ import annotations

import itertools
import os
import secrets
import tomllib
from pathlib import Path

import gevent
from locust import HttpUser, constant, task

from conformance.load.plan import DEFAULT_GROUP_SIZE, DEFAULT_WRITES, WRITE_ATTEMPTS

TARGET = tomllib.loads(Path(os.environ["MPSD_BENCH_TARGET"]).read_text(encoding="utf-8"))
TAG = f"plain{secrets.token_hex(4)}"
NUMBERS = itertools.count()


class Player(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(NUMBERS)
        group, seat = divmod(number, DEFAULT_GROUP_SIZE)
        user, target = TARGET["users"][seat], TARGET["target"]
        self.xuid, self.key, self.value = user["xuid"], f"p{number}", 0
        self.headers = {
            "Authorization": user["authorization"],
            "X-Xbl-Contract-Version": str(target["contract_version"]),
        }
        self.path = (
            f"/serviceconfigs/{target['scid']}/sessiontemplates/{target['template']}/sessions/{TAG}-{group}"
        )
        self.hosting, self.seated = seat == 0, False

    @task
    def visit(self) -> None:
        if not self.seated and not self.join():
            gevent.sleep(0.05)
            return
        for _ in range(DEFAULT_WRITES):
            self.write()
        if not self.hosting:
            self.client.put(self.path, json={"members": {"me": None}}, headers=self.headers, name="leave")
            self.seated = False

    def join(self) -> bool:
        me = {"me": {"constants": {"system": {"xuid": self.xuid}}}}
        body: dict = {"members": me}
        if self.hosting:
            body["constants"] = {"system": {"visibility": "open", "maxMembersCount": DEFAULT_GROUP_SIZE - 1}}
        elif self.client.get(self.path, headers=self.headers, name="read").status_code != 200:
            return False
        self.seated = self.client.put(self.path, json=body, headers=self.headers, name="join").ok
        return self.seated

    def write(self) -> None:
        etag = self.client.get(self.path, headers=self.headers, name="read").headers.get("ETag")
        value = self.value + 1
        for _ in range(WRITE_ATTEMPTS):
            headers = {**self.headers, "If-Match": etag or "*"}
            body = {"properties": {"custom": {self.key: value}}}
            with self.client.put(
                self.path, json=body, headers=headers, name="write", catch_response=True
            ) as r:
                r.success()
                if r.ok:
                    self.value = value
                    return
                etag = r.headers.get("ETag")
                if r.status_code != 412 or not etag:
                    return
