import pytest

from rongmei.core.exceptions import DomainError
from rongmei.distribution.adapters.settings_util import check_settings

pytestmark = pytest.mark.usefixtures("english")


def test_settings_are_cleaned_and_tagged_with_their_adapter():
    cleaned = check_settings("ftp", {"host": " paper.local ", "port": "2121", "username": "u", "password": "p", "junk": 1})
    assert cleaned == {"adapter": "ftp", "host": "paper.local", "port": 2121, "username": "u", "password": "p"}


@pytest.mark.parametrize(
    "adapter,values,field",
    [
        ("ftp", {"host": "h", "username": "u"}, "password"),
        ("ftp", {"host": "h", "username": "u", "password": "p", "port": "99999"}, "port"),
        ("sftp", {"host": "h", "username": "u", "host_key": "ssh-ed25519 AAAA"}, "password"),
        ("smtp", {"host": "h", "sender": "a@b.cn", "recipients": "nobody"}, "recipients"),
        ("wechat", {"appid": "wx1", "secret": "s", "base_url": "ftp://x"}, "base_url"),
        ("carrier-pigeon", {}, "adapter"),
    ],
)
def test_bad_settings_name_the_field(adapter, values, field):
    with pytest.raises(DomainError) as e:
        check_settings(adapter, values)
    assert e.value.field == field
