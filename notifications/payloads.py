"""What each kind of webhook receives for one Message (docs/ALERTS.md, "Where alerts go").

Each function takes the message as the ledger keeps it (Message.as_json: the facts as
[name, value] pairs, in order).

- Slack (incoming webhooks, and the many tools that accept the same): `text` as the
  fallback line, `blocks` with the title, the text, the facts and a link.
- Discord (webhooks): `content` as the one-line summary, one embed with title, link,
  description, colour by severity and the facts; `allowed_mentions` empty, so a Tweet's
  "@everyone" never pings a server.
- Signed JSON: the message itself plus the delivery id and key, signed over
  "<timestamp>.<raw body>" with the destination's secret (HMAC-SHA256), the signature and
  timestamp in headers.
"""

import hashlib
import hmac
import json

COLOURS = {"info": 0x1D9BF0, "warning": 0xE0A000}
USER_AGENT = "metricsdash-alerts/1"


def _slack_escape(text: str) -> str:
    # Slack's three control characters; escaping them also defuses <!channel> in a Tweet.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: dict) -> dict:
    """A Slack-compatible body: {"text": ..., "blocks": [...]}."""
    title, text = _slack_escape(message["title"]), _slack_escape(message["text"])
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": message["title"][:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
    ]
    facts = message["fields"][:10]
    if facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(k)}*\n{_slack_escape(v)}"[:2000]}
                    for k, v in facts
                ],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{message['url']}|Open in metricsdash>"}],
        }
    )
    return {"text": f"{title}: {text}"[:3000], "blocks": blocks}


def discord(message: dict) -> dict:
    """A Discord-compatible body: {"content": ..., "embeds": [...]}."""
    embed = {
        "title": message["title"][:256],
        "url": message["url"],
        "description": message["text"][:4096],
        "color": COLOURS.get(message["severity"], COLOURS["info"]),
        "fields": [
            {"name": k[:256], "value": v[:1024], "inline": True} for k, v in message["fields"][:25]
        ],
    }
    return {
        "content": message["title"][:2000],
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


def generic(message: dict, delivery_id: int, key: str) -> dict:
    """The signed JSON body: the message, its delivery id and the alert's key."""
    return {"delivery": delivery_id, "key": key, **message, "fields": dict(message["fields"])}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256, keyed by the secret, of "<timestamp>." + the raw body."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def encode(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
