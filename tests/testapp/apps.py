from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"

    def ready(self) -> None:
        from django.db.models import Q

        from huike.core.records_registry import register_bin_dependent
        from huike.core.registry import PermissionModule, registry

        from .models import Memo, Note, NoteLine

        registry.register_module(
            PermissionModule(
                key="memos",
                label="Memos",
                actions=("view", "create", "edit", "delete"),
                scoped=True,
                policy_fields=(("phone", "Phone"), ("secret", "Secret")),
                presets={
                    "sales_rep": (("view", "create", "edit"), "self"),
                    "sales_manager": (("view", "create", "edit"), "subordinates"),
                    "sales_director": (("view", "create", "edit", "delete"), "department_tree"),
                },
            )
        )
        registry.register_scoped_model(Memo, "memos")
        registry.add_scope_extension(Memo, lambda user: Q(shared_with=user))
        registry.register_handover(Memo, label="Memos")

        # The record-machinery test types share the memos module: a new scoped module would
        # add a required data-scope field to every role form other tests post.
        registry.register_scoped_model(Note, "memos")
        registry.register_scoped_model(NoteLine, "memos")
        register_bin_dependent(Note, NoteLine, "note")
