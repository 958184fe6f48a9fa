"""Passkey sign-in load with Locust, softkey answering as a virtual population.

Every worker machine runs its own `softkey population serve` with the same seed; they share
nothing else, so workers scale out without a shared store.

    export SOFTKEY_POPULATION_SEED="$(openssl rand -base64 24)"   # the same on every machine
    export SOFTKEY_TOKEN="$(openssl rand -base64 32 | tr -d /+=)"
    npx softkey population serve --size 1000000 --http 127.0.0.1:8765 --quiet &
    locust -f examples/loadtest/locust/locustfile.py --host http://localhost:3000 SignInUser

SignInUser signs in as random users of an RP seeded with `softkey population export`;
RegisterUser registers a new account at the RP, then signs in with its username and discoverably.
The page origin defaults to the host's; set SOFTKEY_ORIGIN when the RP expects another.
"""

import os
import random
import time
import urllib.parse
import uuid

import locust.runners
from locust import HttpUser, constant, task

from softkey_population import SoftkeyPopulation

# Debian's python3-locust 2.12.1-1 reports an empty version, and a master refuses a worker whose
# version is empty ("An old (pre 2.0) worker tried to connect"): name the version it is.
if not locust.runners.__version__:
    locust.runners.__version__ = "2.12.1"


class PopulationUser(HttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.softkey = SoftkeyPopulation.from_environment()
        info = self.softkey.info()
        self.size = info["size"]
        # With clock counters, two sign-ins of one credential must be a tick (0.1 s) apart to count up.
        self.counter_pause = 0.2 if info["counter"] == "clock" else 0
        host = urllib.parse.urlsplit(self.host)
        self.origin = os.environ.get("SOFTKEY_ORIGIN") or f"{host.scheme}://{host.netloc}"

    def generate(self, name, ceremony):
        """Run a softkey ceremony and report it to Locust as its own request type, so the
        generator's time and any refusal show in the statistics beside the RP's."""
        started = time.perf_counter()
        try:
            result = ceremony()
        except Exception as error:
            self.environment.events.request.fire(request_type="softkey", name=name, response_time=(time.perf_counter() - started) * 1000, response_length=0, exception=error, context={})
            raise
        self.environment.events.request.fire(request_type="softkey", name=name, response_time=(time.perf_counter() - started) * 1000, response_length=0, exception=None, context={})
        return result

    def sign_in(self, login, user=None, user_handle=None):
        options = self.client.post("/login/options", json=login).json()
        assertion = self.generate("sign-in", lambda: self.softkey.sign_in(options, self.origin, user=user, user_handle=user_handle))
        with self.client.post("/login/verify", json={"response": assertion}, catch_response=True) as response:
            if response.status_code != 200 or not response.json().get("verified"):
                response.failure(f"not verified: {response.text}")


class SignInUser(PopulationUser):
    """Against an RP seeded with `softkey population export` for the same population."""

    @task
    def sign_in_with_username(self):
        user = random.randrange(self.size)
        self.sign_in({"username": f"user{user}"})

    @task
    def sign_in_discoverably(self):
        self.sign_in({}, user=random.randrange(self.size))


class RegisterUser(PopulationUser):
    """Registration load at the RP's own endpoints: a new account per iteration."""

    @task
    def register_then_sign_in(self):
        user = random.randrange(self.size)
        username = f"user{user}-{uuid.uuid4()}"
        options = self.client.post("/register/options", json={"username": username}).json()
        credential = self.generate("registration", lambda: self.softkey.register(options, self.origin, user))
        with self.client.post("/register/verify", json={"username": username, "response": credential}, catch_response=True) as response:
            if response.status_code != 200 or not response.json().get("verified"):
                response.failure(f"not verified: {response.text}")
                return
        self.sign_in({"username": username})
        time.sleep(self.counter_pause)
        # A discoverable credential registered under the RP's user handle is named by it.
        self.sign_in({}, user=user, user_handle=options["user"]["id"])
