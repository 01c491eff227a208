"""Sign-in, roles and the audit of reads: who may see and do what in the app.

Two modes, decided by `.streamlit/secrets.toml` (docs/deploy.md):
- **Sign-in on** (an `[auth]` section): people sign in over OpenID Connect with Streamlit's own
  `st.login`; `st.user` carries the identity provider's claims. Their role comes from a group
  claim or their e-mail address through `config/roles.yaml` (params.yaml `app.roles_file`).
  After `app.session_timeout_minutes` without activity they are signed out.
- **Sign-in off** (no `[auth]`): one local user, "lokaal", with role `app.local_role`
  (beheer), and only for a browser on this computer: a connection from another address or
  through a proxy is refused, and `casuswijzer app` refuses to listen on anything but loopback.
  A half-filled `[auth]` section is neither: the app stops and names the missing keys.

Roles are cumulative (ROLES, lowest first). ACTIONS names what each page or change needs;
PAGES is the navigation, one action per page. `require(action)` is called by the functions in
app.data that change something or open whole cases, so an action outside the role is refused
there too, not only hidden. Refusals, sign-ins, sign-outs, cases opened and added go to the
audit log (ids only; pipeline.core.audit).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
import yaml

from pipeline.core.audit import append_audit
from pipeline.core.config import check_auth_section

ROLES = ("professional", "facilitator", "beleid", "beheer")  # each includes the ones before

# action: (lowest role that may do it, what it is in Dutch for a refusal)
ACTIONS: dict[str, tuple[str, str]] = {
    "search": ("professional", "zoeken en hele casussen lezen"),
    "patterns": ("professional", "patronen bekijken"),
    "add_case": ("professional", "een casus toevoegen"),
    "my_cases": ("professional", "je eigen casussen bekijken"),
    "feedback": ("professional", "aangeven of een oplossing hielp"),
    "atelier": ("facilitator", "een leeratelier samenstellen"),
    "system_barriers": ("beleid", "systeemknelpunten bekijken"),
    "escalate": ("beleid", "eigenaar en status van een knelpunt wijzigen"),
    "report": ("beleid", "het rapport van systeemknelpunten maken"),
    "curate": ("beheer", "patronen hernoemen of samenvoegen"),
    "quality": ("beheer", "de kwaliteit van de kennisbank bekijken"),
    "build": ("beheer", "de kennisbank bouwen"),
    "audit": ("beheer", "het auditlog bekijken"),
}


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to app/, as st.Page wants it
    title: str
    icon: str
    section: str
    action: str
    default: bool = False


FIND, CASES, POLICY, ADMIN = "Vinden", "Casussen", "Beleid en leren", "Beheer"  # sections

# The navigation by role: a page is listed (and reachable) only for roles that allow its action.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/zoeken.py", "Zoeken", ":material/search:", FIND, "search", True),
    PageSpec("app_pages/patronen.py", "Patronen", ":material/bubble_chart:", FIND, "patterns"),
    PageSpec(
        "app_pages/casus_toevoegen.py", "Casus toevoegen", ":material/add:", CASES, "add_case"
    ),
    PageSpec("app_pages/mijn_casussen.py", "Mijn casussen", ":material/person:", CASES, "my_cases"),
    PageSpec(
        "app_pages/systeemknelpunten.py",
        "Systeemknelpunten",
        ":material/account_balance:",
        POLICY,
        "system_barriers",
    ),
    PageSpec("app_pages/leeratelier.py", "Leeratelier", ":material/groups:", POLICY, "atelier"),
    PageSpec("app_pages/kwaliteit.py", "Kwaliteit", ":material/verified:", ADMIN, "quality"),
    PageSpec("app_pages/audit.py", "Audit", ":material/policy:", ADMIN, "audit"),
    PageSpec("app_pages/bijwerken.py", "Kennisbank bijwerken", ":material/sync:", ADMIN, "build"),
)

LOCAL_USER = "lokaal"
ANONYMOUS = "niet aangemeld"
_FORWARD_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "Forwarded")


class Refused(PermissionError):
    """An action outside the user's role (the message is Dutch and shown as is)."""


@dataclass(frozen=True)
class User:
    id: str  # as the audit trail writes it: e-mail, else username, else subject; or "lokaal"
    name: str
    role: str | None  # None: signed in, but no role in Casuswijzer
    local: bool = False
    login: str = ""  # identifies one sign-in (the id token's issue time): the idle clock's key


@dataclass(frozen=True)
class RoleMap:
    claim: str
    groups: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    default_role: str | None = None


# --------------------------------------------------------------------------- roles (pure)


def role_allows(role: str | None, action: str) -> bool:
    """Whether `role` may do `action` (roles include everything of the roles below them)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action][0])


def pages_for(role: str | None) -> list[PageSpec]:
    """The pages a role sees, in navigation order."""
    return [p for p in PAGES if role_allows(role, p.action)]


def load_role_map(path: Path | str) -> RoleMap:
    """Read config/roles.yaml; a wrong key or role is an error naming the file and the key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ValueError(f"{path}: het rollenbestand bestaat niet") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: geen geldige YAML ({exc.__class__.__name__})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: verwacht een mapping met claim, groups, users, default_role")
    unknown = set(raw) - {"claim", "groups", "users", "default_role"}
    if unknown:
        raise ValueError(f"{path}: onbekende sleutel(s) {', '.join(sorted(unknown))}")

    def roles_of(key: str) -> dict[str, str]:
        table = raw.get(key) or {}
        if not isinstance(table, dict):
            raise ValueError(f"{path}: '{key}' moet een mapping naar een rol zijn")
        for name, role in table.items():
            if role not in ROLES:
                raise ValueError(
                    f"{path}: {key}.{name}: onbekende rol '{role}' (kies uit {', '.join(ROLES)})"
                )
        return {str(k): str(v) for k, v in table.items()}

    default_role = raw.get("default_role")
    if default_role is not None and default_role not in ROLES:
        raise ValueError(f"{path}: default_role: onbekende rol '{default_role}'")
    claim = raw.get("claim") or "groups"
    if not isinstance(claim, str):
        raise ValueError(f"{path}: 'claim' moet de naam van een claim zijn")
    users = {k.strip().lower(): v for k, v in roles_of("users").items()}
    return RoleMap(claim, roles_of("groups"), users, default_role)


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def role_for(claims: Mapping[str, Any], roles: RoleMap) -> str | None:
    """The highest role any of the user's groups or their e-mail maps to, else the default."""
    found = [roles.groups[g] for g in _as_strings(claims.get(roles.claim)) if g in roles.groups]
    email = claims.get("email")
    if isinstance(email, str) and email.strip().lower() in roles.users:
        found.append(roles.users[email.strip().lower()])
    if not found:
        return roles.default_role
    return max(found, key=ROLES.index)


def user_id(claims: Mapping[str, Any]) -> str:
    """How the audit trail names a signed-in user: e-mail, else username, else subject."""
    for key in ("email", "preferred_username", "upn", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    return ANONYMOUS


def is_loopback(address: str | None) -> bool:
    """Whether a listen or client address is this computer only ("" and None are not)."""
    if not address:
        return False
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- streamlit side


def _app_cfg():
    from app import data

    return data.workdir()


@st.cache_data(max_entries=2, show_spinner=False)
def _role_map(path: str, stamp: int) -> RoleMap:
    return load_role_map(path)


def role_map() -> RoleMap:
    path = _app_cfg().roles_file
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = 0
    return _role_map(str(path), stamp)


def _auth_section() -> tuple[Mapping[str, Any] | None, bool]:
    """(the [auth] secrets section or None, whether a secrets file exists but cannot be read)."""
    if st.secrets.load_if_toml_exists():
        section = st.secrets.get("auth")
        return (section if isinstance(section, Mapping) else None), False
    files = st.get_option("secrets.files") or []
    return None, any(Path(f).is_file() for f in files)


def signin() -> tuple[list[str], list[str]]:
    """(providers, problems): sign-in is on with providers, off with neither, broken with
    problems (Dutch, naming keys)."""
    section, unreadable = _auth_section()
    if unreadable:
        return [], ["secrets.toml bestaat maar kan niet gelezen worden (geen geldige TOML?)"]
    return check_auth_section(section)


def signin_on() -> bool:
    providers, problems = signin()
    return bool(providers or problems)


def current_user() -> User | None:
    """The user of this session: the local user when sign-in is off, the signed-in user with
    their role when it is on, or None (not signed in, or sign-in misconfigured)."""
    providers, problems = signin()
    if problems:
        return None
    if not providers:
        return User(LOCAL_USER, LOCAL_USER, _app_cfg().cfg.app.local_role, local=True)
    if not st.user.get("is_logged_in"):
        return None
    claims = st.user.to_dict()
    ident = user_id(claims)
    name = claims.get("name") if isinstance(claims.get("name"), str) else ident
    return User(ident, name or ident, role_for(claims, role_map()), login=str(claims.get("iat")))


def allows(action: str) -> bool:
    """Whether the current user may do `action` (for showing or hiding a control)."""
    user = current_user()
    return user is not None and role_allows(user.role, action)


def require(action: str) -> User:
    """The current user if their role allows `action`; otherwise log the refusal and raise
    `Refused` with a Dutch message."""
    user = current_user()
    if user is not None and role_allows(user.role, action):
        return user
    lowest, what = ACTIONS[action]
    audit("refused", user, action=action)
    if user is None:
        raise Refused(f"Je bent niet aangemeld en mag daarom niet {what}.")
    role = user.role or "geen rol"
    raise Refused(f"Je rol ({role}) mag niet {what}; dat kan vanaf de rol {lowest}.")


def audit(kind: str, user: User | None = None, **fields: str) -> None:
    """Append one line to the audit log (ids only) as `user` (default: the current user)."""
    user = user if user is not None else current_user()
    append_audit(_app_cfg().audit_log, kind, user.id if user else ANONYMOUS, **fields)


def log_case_reads(case_ids: Iterable[Any]) -> None:
    """Record that the current user was shown these whole cases (each once per session)."""
    user = current_user()
    who = user.id if user else ANONYMOUS
    try:
        seen = st.session_state.setdefault("_audit_case_reads", set())
    except Exception:  # no session (a bare script or test): log every read
        seen = set()
    for case_id in case_ids:
        key = (who, str(case_id))
        if key in seen:
            continue
        audit("case_read", user, case_id=str(case_id))
        seen.add(key)


# --------------------------------------------------------------------------- idle timeout


class _Activity:
    """Last activity per sign-in, shared by all sessions of this server process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.last: dict[tuple[str, str], float] = {}


@st.cache_resource
def _activity() -> _Activity:
    return _Activity()


def _timeout_s() -> float:
    return float(_app_cfg().cfg.app.session_timeout_minutes) * 60


def _last_activity(user: User) -> float | None:
    """When this sign-in was last active: the latest script run of any of its sessions, else
    the sign-in itself (a new session after a server restart or days later counts from there)."""
    act = _activity()
    with act.lock:
        last = act.last.get((user.id, user.login))
    if last is not None:
        return last
    try:
        return float(user.login)
    except ValueError:
        return None


def idle_expired(user: User, now: float | None = None) -> bool:
    last = _last_activity(user)
    now = time.time() if now is None else now
    return last is not None and now - last > _timeout_s()


def _touch(user: User) -> bool:
    """Mark activity now; True when this sign-in was not seen by this process before."""
    act = _activity()
    with act.lock:
        new = (user.id, user.login) not in act.last
        act.last[(user.id, user.login)] = time.time()
    return new


def _sign_out(user: User, reason: str) -> None:
    audit("sign_out", user, reason=reason)
    st.logout()
    st.stop()


def _idle_watch(user: User) -> None:
    """Sign out from an open but idle page too: a small fragment checks every so often."""
    every = max(5.0, min(60.0, _timeout_s() / 3))

    @st.fragment(run_every=every)
    def _check() -> None:
        if idle_expired(user):
            _sign_out(user, "niet actief")

    with st.sidebar:
        _check()


# --------------------------------------------------------------------------- the gate


def _local_refusal() -> str | None:
    """Why this session may not use the app without sign-in, or None when it may."""
    address = st.get_option("server.address")
    if address and not is_loopback(address):
        return f"de app luistert op {address}"
    client = st.context.ip_address  # None for a browser on this computer
    if isinstance(client, str) and client and not is_loopback(client):
        return "je verbinding komt van een ander apparaat"
    try:
        headers = st.context.headers
        if any(headers.get(h) for h in _FORWARD_HEADERS):
            return "je verbinding loopt via een proxy"
    except Exception:  # no request headers (tests)
        pass
    return None


def _login_screen(providers: list[str]) -> None:
    st.title("Casuswijzer")
    st.write(
        "Deze kennisbank bevat gepseudonimiseerde casussen van huishoudens in kwetsbare "
        "situaties. Alleen mensen van wie het werk dat vraagt, komen erin. Meld je aan met je "
        "account van de organisatie."
    )
    for name in providers:
        label = "Inloggen" if name == "default" else f"Inloggen via {name}"
        if st.button(label, type="primary", icon=":material/login:", key=f"login_{name}"):
            st.login(None if name == "default" else name)


def _user_box(user: User) -> None:
    with st.sidebar:
        if user.local:
            st.caption(f"Lokaal gebruik zonder aanmelden (rol {user.role}).")
            return
        st.caption(f"Ingelogd als {user.name} · rol {user.role or 'geen'}")
        if st.button("Uitloggen", icon=":material/logout:", key="logout"):
            _sign_out(user, "zelf")


def gate() -> User:
    """Run first on every script run: returns the user allowed to continue, or shows why not
    (login screen, missing role, misconfiguration, remote access without sign-in) and stops."""
    providers, problems = signin()
    if problems:
        st.error(
            "Aanmelden is half ingesteld in .streamlit/secrets.toml, dus de app start niet: "
            + "; ".join(problems)
            + ". Zie docs/deploy.md."
        )
        st.stop()
    if not providers:
        reason = _local_refusal()
        if reason:
            st.error(
                "Aanmelden is niet ingesteld. Zonder aanmelden is Casuswijzer alleen te "
                f"gebruiken op de computer waarop hij draait, maar {reason}. Zo zou iedereen "
                "die de app bereikt alle casussen kunnen lezen en wijzigen. Stel aanmelden in "
                "(OpenID Connect, zie docs/deploy.md) om de kennisbank met anderen te delen."
            )
            st.stop()
        user = current_user()
        _user_box(user)
        return user
    if not st.user.get("is_logged_in"):
        _login_screen(providers)
        st.stop()
    user = current_user()
    if idle_expired(user):
        _sign_out(user, "niet actief")
    if _touch(user):
        audit("sign_in", user, role=user.role or "geen")
    if user.role is None:
        st.title("Casuswijzer")
        st.warning(
            f"Je bent aangemeld als {user.id}, maar je hebt (nog) geen rol in Casuswijzer. "
            "Vraag de functioneel beheerder om je toe te voegen aan een groep voor "
            "Casuswijzer."
        )
        if st.button("Uitloggen", icon=":material/logout:", key="logout_norole"):
            _sign_out(user, "zelf")
        st.stop()
    _user_box(user)
    _idle_watch(user)
    return user
