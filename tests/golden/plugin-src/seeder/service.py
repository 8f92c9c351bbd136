# A plugin's service: hitc adds hitc_plugin.py beside this file.
from hitc_plugin import serve


def create(inputs):
    return {"count": len(inputs["names"]), "table": inputs["table"]}


def update(inputs, old_inputs):
    return create(inputs)


def delete(inputs):
    pass


handler = serve(create=create, update=update, delete=delete)
