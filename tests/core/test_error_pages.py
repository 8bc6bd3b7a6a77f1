from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from huike.core.error_views import permission_denied


def test_forbidden_page_is_translated_and_hides_permission_codes(demo, login):
    client = login("rep_east1")
    response = client.get("/org/users/", headers={"accept-language": "en"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have permission for this." in html
    assert "users.view" not in html


def test_forbidden_page_shows_a_sentence_reason(demo):
    request = RequestFactory().get("/")
    request.user = demo["rep_east1"]
    response = permission_denied(request, PermissionDenied("Only a super administrator may."))
    assert response.status_code == 403
    assert "Only a super administrator may." in response.content.decode()


def test_missing_page_is_404_in_the_shell_language(demo, login):
    client = login("rep_east1")
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "does not exist, or you cannot see it" in response.content.decode()
