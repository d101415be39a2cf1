"""Crisis lines and emergency numbers, per region, from content/safety/helplines.yml.

Replies never hard-code a number: they use the variables of
`response_variables`, filled in by the Rasa server's NLG (assistant/nlg.py)
and by the action server, so a deployment changes region by setting
HELPLINE_REGION alone.
"""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

from assistant.content import CONTENT_DIR, ContentError, load_yaml, require

HELPLINES_FILE = CONTENT_DIR / "safety" / "helplines.yml"
REGION_ENV = "HELPLINE_REGION"


@dataclass(frozen=True)
class Service:
    name: str
    contact: str
    url: Optional[str]

    def describe(self) -> str:
        url = f" ({self.url})" if self.url else ""
        return f"- {self.name}: {self.contact}{url}"


@dataclass(frozen=True)
class Region:
    key: str
    name: str
    emergency: str
    crisis_lines: Tuple[Service, ...]
    abuse_lines: Tuple[Service, ...]


def _services(path: Path, spec: dict, field: str, where: str) -> Tuple[Service, ...]:
    services = []
    for index, item in enumerate(require(path, spec, field, list, where)):
        here = f"{where}.{field}[{index}]"
        url = item.get("url") if isinstance(item, dict) else None
        services.append(
            Service(require(path, item, "name", str, here), require(path, item, "contact", str, here), url)
        )
    return tuple(services)


def load_regions(path: Path = HELPLINES_FILE) -> Tuple[str, Dict[str, Region]]:
    """All regions of the file and its default region, validated."""
    data = load_yaml(path)
    default = require(path, data, "default_region", str)
    regions = {}
    for key, spec in require(path, data, "regions", dict).items():
        where = f"regions.{key}"
        regions[key] = Region(
            key=key,
            name=require(path, spec, "name", str, where),
            emergency=str(require(path, spec, "emergency", (str, int), where)),
            crisis_lines=_services(path, spec, "crisis_lines", where),
            abuse_lines=_services(path, spec, "abuse_lines", where),
        )
    if default not in regions:
        raise ContentError(path, "default_region", f"'{default}' is not one of {sorted(regions)}")
    return default, regions


def load_region(region: Optional[str] = None, path: Path = HELPLINES_FILE) -> Region:
    """The configured region: the argument, else $HELPLINE_REGION, else the file's default."""
    default, regions = load_regions(path)
    key = (region or os.environ.get(REGION_ENV) or default).strip().lower()
    if key not in regions:
        raise ContentError(path, REGION_ENV, f"unknown region '{key}'; choose one of {sorted(regions)}")
    return regions[key]


def response_variables(region: Region) -> Dict[str, str]:
    """The `{placeholders}` that safety responses in domain.yml may use."""
    main = region.crisis_lines[0]
    return {
        "crisis_lines": "\n".join(service.describe() for service in region.crisis_lines),
        "abuse_lines": "\n".join(service.describe() for service in region.abuse_lines),
        "main_crisis_line": f"{main.name} ({main.contact})",
        "emergency_number": region.emergency,
        "region_name": region.name,
    }
