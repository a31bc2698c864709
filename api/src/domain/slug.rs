use super::ParseError;

/// A URL-safe identifier made from a name: lower-case ASCII letters and digits separated by
/// single hyphens ("pagnol-an-extra-large-french-generative-model").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

const MAX_LEN: usize = 120;

impl Slug {
    /// Derives a slug from any text, folding accents ("Niccoló" becomes "niccolo").
    /// Text with no letter or digit at all falls back to `fallback`.
    pub fn from_text(text: &str, fallback: &str) -> Self {
        let mut slug = String::with_capacity(text.len());
        for c in text.chars().flat_map(fold_accent) {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        if slug.len() > MAX_LEN {
            slug.truncate(MAX_LEN);
        }
        let slug = slug.trim_end_matches('-');
        if slug.is_empty() {
            Self(fallback.to_owned())
        } else {
            Self(slug.to_owned())
        }
    }

    /// Parses a slug given by a caller, which must already be in slug form.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let well_formed = !raw.is_empty()
            && raw.len() <= MAX_LEN
            && raw.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ParseError::new(
                "must be lower-case letters and digits separated by single hyphens",
            ))
        }
    }

    /// The same slug with a numeric suffix, for the n-th entry that shares a name.
    pub fn with_suffix(&self, n: u32) -> Self {
        Self(format!("{}-{n}", self.0))
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

/// The ASCII letters that an accented Latin letter is written with in a URL.
fn fold_accent(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "e",
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' => {
            "i"
        }
        'ł' | 'Ł' | 'ľ' | 'Ľ' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' => "r",
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'Ť' | 'Ţ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "u",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        _ => "",
    };
    let keep = folded.is_empty().then_some(c);
    folded.chars().chain(keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_becomes_a_hyphenated_lower_case_slug() {
        let slug = Slug::from_text(
            "What Language Model to Train if You Have One Million GPU Hours?",
            "x",
        );
        assert_eq!(
            slug.as_ref(),
            "what-language-model-to-train-if-you-have-one-million-gpu-hours"
        );
    }

    #[test]
    fn accents_are_folded_and_punctuation_collapses() {
        assert_eq!(
            Slug::from_text("Niccoló Zanichelli", "x").as_ref(),
            "niccolo-zanichelli"
        );
        assert_eq!(
            Slug::from_text("Djamé  Seddah", "x").as_ref(),
            "djame-seddah"
        );
        assert_eq!(
            Slug::from_text(
                "NeurIPS 2022 Workshop: I Can’t Believe It’s Not Better",
                "x"
            )
            .as_ref(),
            "neurips-2022-workshop-i-can-t-believe-it-s-not-better"
        );
    }

    #[test]
    fn text_without_letters_falls_back_and_long_text_is_cut_at_a_word() {
        assert_eq!(Slug::from_text("???", "author").as_ref(), "author");
        let long = Slug::from_text(&"word ".repeat(60), "x");
        assert!(long.as_ref().len() <= MAX_LEN && !long.as_ref().ends_with('-'));
    }

    #[test]
    fn parse_accepts_only_slug_form() {
        assert!(Slug::parse("llms-for-biology").is_ok());
        for bad in ["", "LLMs", "a--b", "-a", "a-", "a b", "é"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
