"""The greeter: its words come from the greeting layer (Lambda puts the layer's
python/ directory on the import path), and its last greeting is kept in /tmp."""
import os
import tempfile


def handler(event, context):
    import greeting            # from the layer, not from this bundle
    text = greeting.greet(event.get("name", "world"))
    last = os.path.join(tempfile.gettempdir(), "hitc-e2e-last-greeting")
    with open(last, "w", encoding="utf-8") as f:
        f.write(text)
    return {"greeting": text}


def plain(event, context):
    try:
        import greeting        # noqa: F401  (no layer: it must not be found)
    except ImportError:
        return {"layer": False}
    return {"layer": True}
