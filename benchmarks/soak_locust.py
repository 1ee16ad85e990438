"""Soak test users (locust): Văn phòng browsing (dashboard, lists, task pages, the API, a CSV
export), unit heads recording progress, for as long as benchmarks/soak.sh says. Accounts:
SOAK_OFFICE and SOAK_HEADS ("user:password", comma separated); by default the demo's
(soak.sh picks the generated set's when it finds one)."""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/nhiem-vu/(\d+)/"')
VERSION = re.compile(r'name="version" value="([^"]+)"')
OCCURRENCE = re.compile(r'<select name="occurrence"[^>]*>\s*(?:<option value="">[^<]*</option>\s*)?'
                        r'<option value="(\d+)"')  # fmt: skip


def accounts(name: str, default: str) -> list[tuple[str, str]]:
    return [tuple(a.split(":", 1)) for a in os.environ.get(name, default).split(",") if a]


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    pool: list[tuple[str, str]] = []

    def on_start(self):
        username, password = random.choice(self.pool)
        page = self.client.get("/dang-nhap/", name="login page").text
        token = CSRF.search(page).group(1)
        self.client.post(
            "/dang-nhap/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
            name="login",
        )
        self.task_ids: list[str] = []

    def remember_tasks(self, html: str) -> None:
        found = TASK_LINK.findall(html)
        if found:
            self.task_ids = found[:25]


class Office(Portal):
    weight = 2
    pool = accounts("SOAK_OFFICE", "vanphong:demo123,vp.nhung:demo123")

    @task(4)
    def dashboard(self):
        self.client.get("/", name="dashboard")

    @task(4)
    def overdue_list(self):
        self.remember_tasks(
            self.client.get("/nhiem-vu/?punctuality=overdue&sort=han", name="overdue list").text
        )

    @task(3)
    def task_page(self):
        if self.task_ids:
            self.client.get(f"/nhiem-vu/{random.choice(self.task_ids)}/", name="task page")

    @task(2)
    def api_list(self):
        self.client.get(
            "/api/tasks/?punctuality=overdue&ordering=han&page_size=25", name="API overdue list"
        )

    @task(1)
    def export(self):
        # The whole filtered list as CSV, read to the last byte (streamed by the portal).
        with self.client.get(
            "/nhiem-vu/xuat-csv/?punctuality=due_soon", name="CSV export", stream=True
        ) as response:
            for _chunk in response.iter_content(65536):
                pass

    @task(1)
    def reports(self):
        self.client.get("/bao-cao/", name="reports")

    @task(1)
    def alerts(self):
        self.client.get("/canh-bao/", name="alerts")


class UnitHead(Portal):
    weight = 3
    pool = accounts("SOAK_HEADS", "tp.cds:demo123,gd.trungtam:demo123,tp.khtc:demo123")

    @task(3)
    def unit_page(self):
        self.remember_tasks(self.client.get("/nhiem-vu/don-vi/", name="unit page").text)

    @task(2)
    def record_progress(self):
        if not self.task_ids:
            return
        pk = random.choice(self.task_ids)
        form = self.client.get(f"/nhiem-vu/{pk}/cap-nhat/", name="progress form")
        version, token = VERSION.search(form.text), CSRF.search(form.text)
        if form.status_code != 200 or not version or not token:
            return  # a task this person may not update: nothing to post
        occurrence = OCCURRENCE.search(form.text)
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "version": version.group(1),
            "percent": random.randint(10, 90),
            "status": "in_progress",
            "achieved": "Cập nhật trong bài thử tải dài hạn.",
            "delay_reason": "Thử tải",
            "delay_explanation": "Thử tải",
        }
        if occurrence:
            data["occurrence"] = occurrence.group(1)
        self.client.post(f"/nhiem-vu/{pk}/cap-nhat/", data, name="progress update")
