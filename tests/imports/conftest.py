"""Fixtures for the import tests: files on disk, the CLI runner."""
import pytest


@pytest.fixture
def write_file(tmp_path):
    def write(data: bytes, name: str) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


@pytest.fixture
def run_cli(app):
    def run(*args):
        return app.test_cli_runner().invoke(args=["import", *args])
    return run


@pytest.fixture
def user_of(app):
    def find(username):
        return app.appbuilder.sm.find_user(username=username)
    return find
