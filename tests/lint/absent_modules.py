"""An import-linter contract type: modules that must not exist (code that belongs in another package).

import-linter's own contracts are about imports; "the domain holds no HSDS mapping" is about where a module
lives. A listed module that exists breaks the contract; one that does not is what the contract wants.
"""

from __future__ import annotations

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AbsentModulesContract(Contract):
    """Each listed module is absent from the graph: ``modules = ["api.domain.hsds", ...]``."""

    modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose):  # type: ignore[no-untyped-def]  # import-linter's signature
        present = sorted(name for name in self.modules if name in graph.modules)  # type: ignore[attr-defined]
        return ContractCheck(kept=not present, metadata={"present": present})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for name in check.metadata["present"]:
            output.print_error(f"{name} exists; it belongs outside this package.")
            output.new_line()
