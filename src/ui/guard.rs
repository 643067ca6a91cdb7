//! The page's server is still a server: every request passes here first.
//!
//! - Its `Host` must be `127.0.0.1:PORT` or `localhost:PORT`: a site that points its own
//!   name at 127.0.0.1 (DNS rebinding) gets nothing.
//! - It needs the session's token: from the printed address once (then it is moved into an
//!   HttpOnly, SameSite=Strict cookie and taken out of the address), from the cookie after.
//! - A request that changes anything (any method but GET and HEAD) also needs a same-origin
//!   `Origin` and the CSRF token (header `x-csrf-token` or query `csrf`), so that a page of
//!   another site open in the same browser cannot start a send.
//! - Every answer forbids everything from elsewhere (Content-Security-Policy), being framed,
//!   sniffing, caching, and referrers to other sites. (Not every referrer: under
//!   `no-referrer` a browser sends `Origin: null` with the page's own forms, which the
//!   same-origin check must then refuse.)

use super::Session;
use super::texts::Lang;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The cookie that carries the session's token.
pub const COOKIE: &str = "smsmerge_session";

/// The policy of every answer: nothing from elsewhere, no inline script or style, no frames.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Checks a request and puts the security headers on its answer.
pub async fn guard(State(session): State<Arc<Session>>, request: Request, next: Next) -> Response {
    let mut response = match check(&session, &request) {
        Verdict::Pass => next.run(request).await,
        Verdict::SetCookie(location) => {
            let cookie = format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                session.token
            );
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let (Ok(cookie), Ok(location)) = (
                HeaderValue::from_str(&cookie),
                HeaderValue::from_str(&location),
            ) {
                r.headers_mut().insert(header::SET_COOKIE, cookie);
                r.headers_mut().insert(header::LOCATION, location);
            }
            r
        }
        Verdict::Refuse(status, why) => refusal(status, why, &request),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

enum Verdict {
    Pass,
    /// The token came in the address: set the cookie and go to this address without it.
    SetCookie(String),
    Refuse(StatusCode, &'static str),
}

fn check(session: &Session, request: &Request) -> Verdict {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| session.is_own_host(h)) {
        return Verdict::Refuse(StatusCode::MISDIRECTED_REQUEST, "wrong Host");
    }
    let query = request.uri().query().unwrap_or("");
    let from_query = query_value(query, "token");
    let from_cookie = cookie_value(headers, COOKIE);
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if !changes && let Some(token) = &from_query {
        if !same(token, &session.token) {
            return Verdict::Refuse(StatusCode::FORBIDDEN, "wrong token");
        }
        let rest: Vec<&str> = query
            .split('&')
            .filter(|p| !p.starts_with("token=") && !p.is_empty())
            .collect();
        let path = request.uri().path();
        let location = if rest.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", rest.join("&"))
        };
        return Verdict::SetCookie(location);
    }
    if !from_cookie.is_some_and(|c| same(&c, &session.token)) {
        return Verdict::Refuse(StatusCode::FORBIDDEN, "no token");
    }
    if changes {
        let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
        let own = origin
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|h| session.is_own_host(h));
        if !own {
            return Verdict::Refuse(StatusCode::FORBIDDEN, "cross-origin request");
        }
        let csrf = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| query_value(query, "csrf"));
        if !csrf.is_some_and(|c| same(&c, &session.csrf)) {
            return Verdict::Refuse(StatusCode::FORBIDDEN, "no CSRF token");
        }
    }
    Verdict::Pass
}

/// A short page saying how to get in, in the browser's chosen language.
fn refusal(status: StatusCode, why: &str, request: &Request) -> Response {
    let lang = Lang::from_code(cookie_value(request.headers(), "lang").as_deref());
    let body = format!(
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><meta charset=\"utf-8\"><title>smsmerge</title><p>{}</p><p>({})</p></html>",
        lang.code(),
        lang.dir(),
        super::html::esc(lang.texts().forbidden),
        super::html::esc(why)
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// A value of a `name=value&...` query, percent-decoded.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A cookie's value.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Compares secrets in a time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
