"""Alembic migrations of the tradegraph schema, shipped inside the package.

Applied programmatically by ``tradegraph.persistence.Database.upgrade``. To write a new
revision by hand or with autogenerate, point the Alembic CLI at ``alembic.ini`` here::

    alembic -c src/tradegraph/persistence/migrations/alembic.ini \\
        -x url=sqlite:///.tradegraph/tradegraph.db revision --autogenerate -m "add orders"
"""
