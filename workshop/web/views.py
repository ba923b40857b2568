"""HTTP routes: the four pages, the QR code, the JSON API and the plan downloads."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..core.errors import DomainError
from ..core.payloads import CreateWorkshopPayload, TemplateSavePayload, parse
from ..core.security import normalise_code
from ..persistence.db import get_db
from ..persistence.queries import get_workshop, get_workshop_by_code
from ..realtime import snapshot
from ..realtime.broadcast import base_url, broadcast_state
from ..services import agenda, stages, workshops
from .headers import plan_disposition

bp = Blueprint("workshop", __name__)


# --------------------------------------------------------------------------- pages


@bp.get("/")
def index() -> str:
    """Create a workshop, or join one by code."""
    return render_template("index.html")


@bp.get("/join")
def join_by_code() -> BaseResponse | tuple[str, int]:
    """The code form on `/`: go to the workshop's join page, or say the code is unknown."""
    code = normalise_code(request.args.get("code", ""))
    if not code:
        return redirect(url_for("workshop.index"))
    try:
        get_workshop_by_code(get_db(), code)
    except DomainError:
        return render_template("index.html", join_error=code or " ", code=code), 404
    return redirect(url_for("workshop.participant_page", code=code))


@bp.get("/j/<code>")
def participant_page(code: str) -> BaseResponse | tuple[str, int] | str:
    """The phone page of a workshop."""
    normal = normalise_code(code)
    try:
        workshop = get_workshop_by_code(get_db(), normal)
    except DomainError:
        return render_template("index.html", join_error=code, code=normal), 404
    if normal != code:
        return redirect(url_for("workshop.participant_page", code=normal))
    return render_template("participant.html", workshop=workshop)


@bp.get("/j/<code>/qr.svg")
def join_qr(code: str) -> Response:
    """The join URL as a QR code (SVG), for the projector."""
    workshop = get_workshop_by_code(get_db(), code)
    qr = segno.make(f"{base_url()}j/{workshop.code}", error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=10, border=2, xmldecl=False, svgns=True, title="Join QR code")
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/w/<workshop_id>/facilitate")
def facilitator_page(workshop_id: str) -> str:
    """The facilitator console (the key travels in the URL fragment, never to the server)."""
    workshop = get_workshop(get_db(), workshop_id)
    return render_template("console.html", workshop=workshop)


@bp.get("/w/<workshop_id>/present")
def projector_page(workshop_id: str) -> str:
    """The room screen."""
    workshop = get_workshop(get_db(), workshop_id)
    return render_template("present.html", workshop=workshop)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness and database check."""
    get_db().execute(text("SELECT 1"))
    return jsonify({"ok": True})


# --------------------------------------------------------------------------- API


@bp.post("/api/workshops")
def create_workshop() -> tuple[Response, int]:
    """Create a workshop; the facilitator key is in this response and nowhere else."""
    body = request.get_json(silent=True)
    if body is None:
        raise DomainError("invalid_payload", "Send a JSON object with at least a title.")
    payload = parse(CreateWorkshopPayload, body)
    workshop, key = workshops.create_workshop(
        get_db(),
        title=payload.title,
        organization=payload.organization,
        horizon_years=payload.horizon_years,
        template=payload.template,
    )
    root = base_url()
    response = jsonify(
        {
            "id": workshop.id,
            "code": workshop.code,
            "facilitator_key": key,
            "urls": {
                "join": f"{root}j/{workshop.code}",
                "facilitate": f"{root}w/{workshop.id}/facilitate#key={key}",
                "present": f"{root}w/{workshop.id}/present#key={key}",
            },
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 201


def _bearer() -> str:
    """The secret in `Authorization: Bearer ...`, or ""."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _presented_secret() -> str:
    """The Bearer secret, else `?token=` (plan links are opened straight from phones)."""
    return _bearer() or request.args.get("token", "").strip()


@bp.get("/api/workshops/<workshop_id>")
def workshop_state(workshop_id: str) -> Response:
    """The facilitator's state snapshot; needs the facilitator key as a Bearer token."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    return jsonify(
        snapshot.public_state(snapshot.load_view(db, workshop), "facilitator", base_url())
    )


@bp.get("/api/templates")
def list_templates() -> Response:
    """Every agenda template a new workshop can start from: built-in ones, then saved ones."""
    templates = [agenda.template_summary(t) for t in agenda.list_templates(get_db())]
    return jsonify({"templates": templates})


@bp.post("/api/templates")
def save_template() -> tuple[Response, int]:
    """Save a workshop's agenda as a template of its own (facilitator key as Bearer)."""
    body = request.get_json(silent=True)
    if body is None:
        raise DomainError("invalid_payload", 'Send {"workshop_id": ...} as JSON.')
    payload = parse(TemplateSavePayload, body)
    db = get_db()
    workshop = workshops.authenticate_facilitator(
        db, workshop_id=payload.workshop_id, key=_bearer()
    )
    row = agenda.save_template(
        db, workshop=workshop, title=payload.title, description=payload.description
    )
    summary = agenda.template_summary(agenda.get_template(db, row.id))
    return jsonify(summary), 201


@bp.get("/api/workshops/<workshop_id>/agenda")
def get_agenda(workshop_id: str) -> Response:
    """The workshop's stages and steps with their settings (facilitator key as Bearer)."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    return jsonify(agenda.get_agenda(db, workshop))


@bp.put("/api/workshops/<workshop_id>/agenda")
def put_agenda(workshop_id: str) -> Response:
    """Replace the stages that have not started; connected clients get the new state."""
    db = get_db()
    workshop = workshops.authenticate_facilitator(db, workshop_id=workshop_id, key=_bearer())
    body = request.get_json(silent=True)
    if body is None:
        raise DomainError("invalid_agenda", 'Send {"stages": [...]} as JSON.')
    agenda.replace_agenda(db, workshop=workshop, body=body)
    broadcast_state(db, get_workshop(db, workshop.id))
    return jsonify(agenda.get_agenda(db, workshop))


def _plan(workshop_id: str) -> Any:
    db = get_db()
    workshop = workshops.authenticate_reader(
        db, workshop_id=workshop_id, secret=_presented_secret()
    )
    return workshop, stages.get_plan(db, workshop=workshop)


@bp.get("/api/workshops/<workshop_id>/plan.md")
def plan_markdown(workshop_id: str) -> Response:
    """The plan as Markdown (attachment); facilitator key or participant token required."""
    workshop, plan = _plan(workshop_id)
    response = Response(plan.markdown, content_type="text/markdown; charset=utf-8")
    response.headers["Content-Disposition"] = plan_disposition(workshop.title, "md")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/api/workshops/<workshop_id>/plan.html")
def plan_html(workshop_id: str) -> Response:
    """The plan as a printable, self-contained HTML page."""
    workshop, plan = _plan(workshop_id)
    response = Response(plan.html, mimetype="text/html")
    # Inline, so it opens in the browser to print; the name is what "Save as" offers.
    response.headers["Content-Disposition"] = plan_disposition(
        workshop.title, "html", attachment=False
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --------------------------------------------------------------------------- errors


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


@bp.app_errorhandler(DomainError)
def domain_error(exc: DomainError) -> tuple[Response | str, int]:
    """Domain errors: JSON under /api, a page elsewhere."""
    get_db().rollback()
    if _wants_json():
        return jsonify({"error": exc.as_payload()}), exc.http_status
    return render_template("error.html", error=exc), exc.http_status


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
    """404, 405 and the like, in the same JSON shape under /api."""
    code = exc.code or 500
    if not _wants_json():
        error = DomainError("not_found" if code == 404 else "http_error", exc.description or "")
        return render_template("error.html", error=error), code
    name = (exc.name or "error").lower().replace(" ", "_")
    return jsonify({"error": {"code": name, "message": exc.description}}), code


@bp.app_errorhandler(500)
def server_error(_exc: Exception) -> tuple[Response | str, int]:
    """Unexpected failures: a generic message, never a traceback."""
    if _wants_json():
        body = {"error": {"code": "internal_error", "message": "Something went wrong."}}
        return jsonify(body), 500
    error = DomainError("internal_error", "Something went wrong on our side.")
    return render_template("error.html", error=error), 500
