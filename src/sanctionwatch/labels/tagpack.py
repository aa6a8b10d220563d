"""Reader of GraphSense TagPacks and ActorPacks (YAML), the field's open label format.

A TagPack is a header plus a ``tags`` list; every tag inherits each header field it does
not set itself. We compose the YAML node tree once so that each tag keeps the line it
starts on (rejects name it) and so that addresses are read exactly as written (an
unquoted ``0x…`` would otherwise become a YAML integer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sanctionwatch.errors import FormatError
from sanctionwatch.labels.rows import (
    ActorRow,
    LabelRow,
    ParsedFile,
    RejectRow,
    check_address,
    raw_json,
    resolve_chain,
    text,
    to_bool,
    to_date,
)
from sanctionwatch.labels.taxonomy import categorize, confidence_level

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text_: str, path: str) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for line numbers); FormatError when not YAML."""
    loader = _Loader(text_)
    try:
        node: yaml.Node | None = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FormatError(f"{path} is not valid YAML{where}: {problem}.") from None
    finally:
        loader.dispose()
    return data, node


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node if isinstance(value_node, yaml.Node) else None
    return None


def _item_lines(list_node: yaml.Node | None, count: int) -> list[int | None]:
    if isinstance(list_node, yaml.SequenceNode):
        lines: list[int | None] = [item.start_mark.line + 1 for item in list_node.value]
        if len(lines) == count:
            return lines
    return [None] * count


def _raw_address(tag_node: yaml.Node | None, value: Any) -> str | None:
    """The address exactly as written in the file (not as YAML typed it)."""
    node = _value_node(tag_node, "address")
    if isinstance(node, yaml.ScalarNode):
        return node.value.strip() or None
    return text(value)


def parse_yaml_file(path: Path) -> ParsedFile:
    """Read a TagPack or an ActorPack; which one is decided by its ``tags``/``actors`` list."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{path} is not a UTF-8 text file, so not a TagPack.") from None
    data, node = load_yaml(content, str(path))
    if isinstance(data, dict) and isinstance(data.get("header"), dict):
        data = {**{k: v for k, v in data.items() if k != "header"}, **data["header"]}
    if not isinstance(data, dict) or ("tags" not in data and "actors" not in data):
        raise FormatError(
            f"{path} is neither a TagPack nor an ActorPack (no 'tags' or 'actors' list)."
        )
    if "tags" in data:
        return parse_tagpack(data, node, str(path))
    return parse_actorpack(data, node, str(path))


def parse_tagpack(data: Mapping[str, Any], node: yaml.Node | None, path: str) -> ParsedFile:
    """Tags of a TagPack document, each merged with the header (tag fields win)."""
    tags = data.get("tags")
    if not isinstance(tags, list) or not tags:
        raise FormatError(f"{path} is a TagPack with no tags.")
    header = {k: v for k, v in data.items() if k != "tags"}
    tags_node = _value_node(node, "tags")
    if tags_node is None:
        tags_node = _value_node(_value_node(node, "header"), "tags")
    lines = _item_lines(tags_node, len(tags))
    item_nodes = tags_node.value if isinstance(tags_node, yaml.SequenceNode) else []
    parsed = ParsedFile(format="tagpack", rows_read=len(tags))
    for index, tag in enumerate(tags):
        line = lines[index]
        if not isinstance(tag, dict):
            parsed.rejects.append(RejectRow(line, "tag is not a mapping", raw_json(tag)))
            continue
        tag_node = item_nodes[index] if index < len(item_nodes) else None
        fields = {**header, **tag}
        result = tag_to_row(fields, _raw_address(tag_node, fields.get("address")), line)
        if isinstance(result, str):
            parsed.rejects.append(RejectRow(line, result, raw_json(tag)))
        else:
            parsed.labels.append(result)
    return parsed


def tag_to_row(fields: Mapping[str, Any], address: str | None, line: int | None) -> LabelRow | str:
    """A merged tag as a label row, or the reason it cannot be one."""
    if address is None:
        return "tag has no address"
    label = text(fields.get("label"))
    if label is None:
        return "tag has no label"
    code = text(fields.get("network")) or text(fields.get("currency"))
    if code is None:
        return "tag has no currency or network"
    chain, problem = resolve_chain(code, address)
    if chain is None:
        return problem or "unknown chain"
    canonical, problem = check_address(chain, address)
    if canonical is None:
        return problem or "invalid address"
    lastmod, problem = to_date(fields.get("lastmod"))
    if problem is not None:
        return problem
    cluster_definer, ok = to_bool(fields.get("is_cluster_definer"))
    if not ok:
        return "is_cluster_definer is not true or false"
    concepts_value = fields.get("concepts")
    concepts = (
        [str(c) for c in concepts_value if c is not None]
        if isinstance(concepts_value, list)
        else []
    )
    category = text(fields.get("category"))
    abuse = text(fields.get("abuse"))
    confidence = text(fields.get("confidence"))
    return LabelRow(
        chain=chain.name,
        address=canonical,
        label=label,
        category=categorize(category, abuse, concepts),
        source_category=category or (concepts[0] if concepts else None),
        abuse=abuse,
        actor=text(fields.get("actor")),
        confidence=confidence,
        confidence_level=confidence_level(confidence),
        source=text(fields.get("source")),
        pack=text(fields.get("title")),
        creator=text(fields.get("creator")),
        lastmod=lastmod,
        is_cluster_definer=cluster_definer,
        context=text(fields.get("context")),
        line=line,
    )


def _json_list(value: Any) -> str | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return json.dumps([str(v) for v in items if v is not None], ensure_ascii=False)


def parse_actorpack(data: Mapping[str, Any], node: yaml.Node | None, path: str) -> ParsedFile:
    """Actors of an ActorPack (id, uri, label, categories, jurisdictions, context, ...)."""
    actors = data.get("actors")
    if not isinstance(actors, list) or not actors:
        raise FormatError(f"{path} is an ActorPack with no actors.")
    lines = _item_lines(_value_node(node, "actors"), len(actors))
    pack_title = text(data.get("title"))
    parsed = ParsedFile(format="actorpack", rows_read=len(actors))
    for index, actor in enumerate(actors):
        line = lines[index]
        if not isinstance(actor, dict):
            parsed.rejects.append(RejectRow(line, "actor is not a mapping", raw_json(actor)))
            continue
        actor_id = text(actor.get("id"))
        if actor_id is None:
            parsed.rejects.append(RejectRow(line, "actor has no id", raw_json(actor)))
            continue
        context_value = actor.get("context")
        context_obj: Any = context_value
        if isinstance(context_value, str):
            try:
                context_obj = json.loads(context_value)
            except json.JSONDecodeError:
                context_obj = None
        aliases = actor.get("aliases")
        if aliases is None and isinstance(context_obj, dict):
            aliases = context_obj.get("aliases")
        parsed.actors.append(
            ActorRow(
                actor=actor_id,
                label=text(actor.get("label")),
                uri=text(actor.get("uri")),
                categories=_json_list(actor.get("categories")),
                jurisdictions=_json_list(actor.get("jurisdictions")),
                aliases=_json_list(aliases),
                context=text(context_value),
                confidence=text(actor.get("confidence") or data.get("confidence")),
                source=pack_title,
                line=line,
            )
        )
    return parsed
