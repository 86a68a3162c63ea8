"""The glue of a form page, written once: validate, call the service, flash, redirect, or show
the service's refusal on the form. Edit and create pages and image uploads use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import gettext

from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.web import apply_errors, form_failed


def form_page(
    form: Any,
    save: Callable[[], Any],
    *,
    template: str | None = None,
    render: Callable[[], Any] | None = None,
    next_url: Callable[[Any], str],
    message: Any = None,
    catch: tuple[type[DomainError], ...] = (ValidationFailed,),
    own_status: bool = False,
    errors: Callable[[DomainError], DomainError] | None = None,
    **context: Any,
) -> Any:
    """The glue of every form page, once: a valid submission calls ``save()`` (the service),
    flashes ``message`` and redirects to ``next_url(result)``; a refusal shows its errors on
    the form and renders ``template`` again (422, or the error's own status with
    ``own_status``), or answers what ``render()`` returns (a page that holds several forms
    builds itself, with its status).

    ``message`` is a text or a function of the result (default "Saved."); ``errors`` may
    rename the keys of a service's errors to the form's field names.
    """
    status = 200
    if form.validate_on_submit():
        try:
            result = save()
        except catch as exc:
            form_failed(form, errors(exc) if errors else exc)
            status = exc.status_code if own_status else 422
        else:
            text = message(result) if callable(message) else message
            flash(str(text if text is not None else gettext("Saved.")), "success")
            return redirect(next_url(result))
    elif request.method == "POST":
        status = 422
    if render is not None:
        return render()
    assert template is not None, "form_page needs a template or a render function"
    return render_template(template, form=form, **context), status


def upload_page(
    form: Any,
    save: Callable[[], Any],
    *,
    back: str,
    done: Any,
    refused: Callable[[], Any],
    invalid: Callable[[], Any] | None = None,
) -> Any:
    """The glue of an image upload, once: a valid form calls ``save()`` (the service), flashes
    ``done`` and goes ``back``; an image the service refuses shows its errors on the form in
    the page ``refused()`` renders (422). A form without a file goes back saying so, or
    renders ``invalid()`` when given."""
    if not form.validate_on_submit():
        if invalid is not None:
            return invalid(), 422
        flash(gettext("Choose an image file."), "error")
        return redirect(back)
    try:
        save()
    except ValidationFailed as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return refused(), 422
    flash(str(done), "success")
    return redirect(back)
