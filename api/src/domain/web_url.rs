use super::ParseError;

/// An absolute `http` or `https` URL, such as a landing page or a PDF link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let url = raw.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| ParseError::new(format!("{url:?} is not an http(s) URL")))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty()
            || url.len() > 2000
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ParseError::new(format!("{url:?} is not an http(s) URL")));
        }
        Ok(Self(url.to_owned()))
    }
}

impl From<WebUrl> for String {
    fn from(value: WebUrl) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_web_urls_parse_and_others_do_not() {
        assert!(WebUrl::parse(" https://arxiv.org/pdf/2206.15342 ").is_ok());
        for bad in [
            "",
            "arxiv.org/abs/1",
            "ftp://x/y",
            "https://",
            "https://a b",
            "javascript:alert(1)",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
