"""Answer the sandbox's approval page the way a person's browser would.

Tests and the demo's seeding use it to run the real OAuth flows end to end: fetch the
authorize page, pick a user, submit, and hand back the callback URL the sandbox
redirects to (which the caller then delivers to the product, or inspects).
"""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.users: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "input":
            return
        if attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif attrs.get("type") == "radio" and attrs.get("name") == "user_id":
            self.users.append(attrs["value"])


def answer_consent(
    authorize_url: str,
    user_id: str | None,
    *,
    approve: bool = True,
    session: requests.Session | None = None,
    timeout: float = 10,
) -> str:
    """Open an authorize URL, approve (or cancel) as `user_id`; return the redirect target.

    Raises ValueError when the page is not an approval page (an error page, say).
    """
    session = session or requests.Session()
    page = session.get(authorize_url, timeout=timeout, allow_redirects=False)
    if page.is_redirect:  # /oauth/authenticate skips the question once granted
        return page.headers["Location"]
    parser = _FormParser()
    parser.feed(page.text)
    if page.status_code != 200 or "form_token" not in parser.fields:
        raise ValueError(f"not an approval page (HTTP {page.status_code})")
    data = dict(parser.fields)
    data["decision"] = "approve" if approve else "cancel"
    if user_id is not None:
        data["user_id"] = user_id
    answer = session.post(page.url, data=data, timeout=timeout, allow_redirects=False)
    if not answer.is_redirect:
        raise ValueError(f"the approval page did not redirect (HTTP {answer.status_code})")
    return urljoin(page.url, answer.headers["Location"])
