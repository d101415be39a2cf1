"""Reading the editable YAML content files with errors a person can act on."""
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_ROOT / "content"


class ContentError(ValueError):
    """A content file is missing, unreadable or breaks its schema."""

    def __init__(self, path: Union[Path, str], field: str, problem: str) -> None:
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: {field}: {problem}" if field else f"{path}: {problem}")


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, naming the file (and line) when it is broken."""
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ContentError(path, "", "file not found") from None
    except yaml.YAMLError as error:
        raise ContentError(path, "", f"not valid YAML: {error}") from None


def require(
    path: Path, mapping: Any, field: str, kind: type, where: str = ""
) -> Any:
    """Return `mapping[field]`, checking that it exists and has type `kind`."""
    label = f"{where}.{field}" if where else field
    if not isinstance(mapping, Mapping) or field not in mapping:
        raise ContentError(path, label, "missing")
    value = mapping[field]
    if not isinstance(value, kind) or (isinstance(value, (str, Sequence)) and not value):
        raise ContentError(path, label, f"must be a non-empty {kind.__name__}")
    return value


def string_list(path: Path, mapping: Mapping, field: str, where: str) -> tuple:
    """An optional list of non-empty strings (missing means empty)."""
    values = mapping.get(field) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ContentError(path, f"{where}.{field}", "must be a list of words")
    return tuple(values)
