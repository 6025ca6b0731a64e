"""The page walker of the hostile-input tests: the forms a page holds (GET filters, POST forms with what a
browser sends untouched), a form as posted with one field changed, and what the commit would refuse."""

from __future__ import annotations

from html.parser import HTMLParser

from django.db import connection


class Fields(HTMLParser):
    """The forms of a page: the names GET forms send (the filters), and each POST form's fields with what a
    browser sends for them untouched (an input's value, a checked box, a select's chosen or first option, a
    text area's text)."""

    def __init__(self):
        super().__init__()
        self.get: set[str] = set()
        self.forms: list[tuple[str, list[list]]] = []  # (action, [[name, value], …]) of POST forms
        self._method = None
        self._select = None  # [name, value] of the select being read
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._method = (attrs.get("method") or "get").lower()
            if self._method == "post":
                self.forms.append((attrs.get("action") or "", []))
            return
        if not self._method:
            return
        name = attrs.get("name")
        if tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = attrs.get("value", "")
            return
        if tag not in ("input", "select", "textarea") or not name:
            return
        kind = attrs.get("type", "text")
        if kind in ("submit", "file", "button") or name == "csrfmiddlewaretoken":
            return
        if self._method == "get":
            self.get.add(name)
            return
        fields = self.forms[-1][1]
        if tag == "select":
            self._select = [name, None]
            fields.append(self._select)
        elif tag == "textarea":
            self._textarea = [name, ""]
            fields.append(self._textarea)
        elif kind not in ("checkbox", "radio"):
            fields.append([name, attrs.get("value", "")])
        elif "checked" in attrs:
            fields.append([name, attrs.get("value", "on")])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._method = None
        elif tag == "select" and self._select is not None:
            self._select[1] = self._select[1] or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def as_posted(form: list[list], name: str | None = None, value: str | None = None) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for field, default in form:
        data.setdefault(field, []).append(value if field == name else default)
    return data


def commit_time_error() -> str | None:
    """What the commit would refuse (deferred checks: a work order completed without its closing…), asked
    now inside the test's transaction, which never commits."""
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except IntegrityError as exc:
        return str(exc).splitlines()[0]
    return None
