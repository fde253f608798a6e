//! The bench's corpus: forum posts written the way this platform's users
//! write, deterministic (a 64-bit LCG). Half of the posts are Arabic, 40%
//! English, 10% Arabic with English technical terms. Words come in their
//! written forms (article «ال», the prefixes «و ب ل», plurals, «ة»), drawn
//! from industrial vocabulary (maintenance, pumps, corrosion, quality,
//! safety, energy, supply chain) with a skew towards the first of each list,
//! plus a long tail of made-up part, site and vendor words (about 60,000,
//! so the typo vocabulary has the size of a real one).
//!
//! The words the queries look for are placed at known rates (of the posts
//! with text in their language; [`RATES`]); the common words are not them.

/// One in this many posts of its language gets each query word.
pub struct Rates {
    pub frequent: u64,
    pub second: u64,
    pub third: u64,
    pub rare: u64,
}

/// Frequent: 10%; the two words of a two-word query: 5% and 3% (about
/// 0.15–0.5% have both: thousands of posts); rare: 1 in 10,000.
pub const RATES: Rates = Rates {
    frequent: 10,
    second: 20,
    third: 33,
    rare: 10_000,
};

/// Forms of «مضخة» (pump): the Arabic frequent word.
const AR_PUMP: [&str; 8] = [
    "المضخات",
    "مضخة",
    "مضخات",
    "بالمضخات",
    "للمضخات",
    "والمضخات",
    "المضخة",
    "ومضخة",
];
/// Forms of «صيانة» (maintenance): with «المضخات», the Arabic two-word query.
const AR_MAINTENANCE: [&str; 5] = ["صيانة", "الصيانة", "بالصيانة", "وصيانة", "للصيانة"];
/// Forms of «هيدروليكي» (hydraulic): the Arabic typo query is one edit off.
const AR_HYDRAULIC: [&str; 4] = ["الهيدروليكية", "هيدروليكية", "الهيدروليكي", "هيدروليكي"];
/// Forms of «تكهف» (cavitation): the Arabic rare word.
const AR_RARE: [&str; 2] = ["التكهف", "تكهف"];

const EN_MAINTENANCE: [&str; 2] = ["maintenance", "Maintenance"];
const EN_HYDRAULIC: [&str; 2] = ["hydraulic", "Hydraulic"];
const EN_PUMP: [&str; 3] = ["pump", "pumps", "pumping"];
const EN_RARE: [&str; 1] = ["tribology"];

const AR_WORDS: &[&str] = &[
    "في",
    "من",
    "على",
    "إلى",
    "مع",
    "بعد",
    "قبل",
    "عند",
    "تم",
    "يجب",
    "لدينا",
    "نحتاج",
    "كيف",
    "هل",
    "التآكل",
    "تآكل",
    "الصمامات",
    "صمام",
    "الصمام",
    "والصمامات",
    "الجودة",
    "جودة",
    "السلامة",
    "سلامة",
    "الطاقة",
    "طاقة",
    "استهلاك",
    "الاستهلاك",
    "سلسلة",
    "الإمداد",
    "الموردين",
    "مورد",
    "المخزون",
    "الإنتاج",
    "خط",
    "الخط",
    "التشغيل",
    "تشغيل",
    "عطل",
    "الأعطال",
    "أعطال",
    "توقف",
    "التوقف",
    "المصنع",
    "مصنع",
    "المصانع",
    "الفنيين",
    "فني",
    "تقرير",
    "التقارير",
    "معايرة",
    "المعايرة",
    "الحساسات",
    "حساس",
    "الاهتزاز",
    "اهتزاز",
    "الحرارة",
    "حرارة",
    "الضغط",
    "ضغط",
    "الأنابيب",
    "أنابيب",
    "تسرب",
    "التسرب",
    "الزيت",
    "زيوت",
    "التشحيم",
    "المحامل",
    "محمل",
    "الكهرباء",
    "الكهربائية",
    "مولد",
    "المولدات",
    "الشحن",
    "النقل",
    "التوريد",
    "الشراء",
    "العقود",
    "التكلفة",
    "التكاليف",
    "الوقائية",
    "الدورية",
    "الطارئة",
    "خطة",
    "الخطة",
    "الجدول",
    "الأسبوعي",
    "الشهري",
    "السنوي",
    "المعدات",
    "معدات",
    "الآلات",
    "آلة",
    "المواصفات",
    "التفتيش",
    "المخاطر",
    "الحوادث",
    "الوقاية",
    "الخوذات",
    "القفازات",
    "الضاغط",
    "الضواغط",
    "الغلاية",
    "التوربينات",
    "البخار",
    "التبريد",
    "برج",
    "المرشح",
    "المرشحات",
    "الفلاتر",
    "فلتر",
    "الحشوات",
    "حشوة",
    "الخزانات",
    "خزان",
    "المحركات",
    "محرك",
    "بالمحركات",
    "للخزانات",
    "وللمعدات",
    "المشغل",
    "الوردية",
    "الفريق",
    "أفضل",
    "طريقة",
    "مشكلة",
    "حل",
    "الحلول",
    "المياه",
    "الصرف",
    "المعالجة",
    "الكيميائية",
    "المواد",
    "الخام",
    "التعبئة",
    "التغليف",
    "المستودع",
    "المستودعات",
    "الرافعة",
    "الرافعات",
    "اللحام",
    "الطلاء",
    "العزل",
    "الأرضي",
    "الفولاذ",
    "الحديد",
    "الألمنيوم",
    "البلاستيك",
    "القطع",
    "الغيار",
    "قطع",
    "غيار",
];

const EN_WORDS: &[&str] = &[
    "the",
    "a",
    "of",
    "in",
    "for",
    "with",
    "after",
    "before",
    "we",
    "need",
    "how",
    "best",
    "on",
    "to",
    "is",
    "our",
    "valve",
    "valves",
    "bearing",
    "bearings",
    "corrosion",
    "inspection",
    "inspections",
    "quality",
    "safety",
    "energy",
    "supply",
    "chain",
    "supplier",
    "suppliers",
    "inventory",
    "production",
    "line",
    "shutdown",
    "downtime",
    "sensor",
    "sensors",
    "vibration",
    "temperature",
    "pressure",
    "pipeline",
    "leak",
    "leaks",
    "lubrication",
    "motor",
    "motors",
    "generator",
    "logistics",
    "procurement",
    "contract",
    "cost",
    "costs",
    "preventive",
    "weekly",
    "monthly",
    "schedule",
    "plan",
    "equipment",
    "machine",
    "machines",
    "specification",
    "audit",
    "risk",
    "incident",
    "helmets",
    "gloves",
    "compressor",
    "boiler",
    "turbine",
    "steam",
    "cooling",
    "tower",
    "filter",
    "filters",
    "seal",
    "seals",
    "gasket",
    "calibration",
    "report",
    "operator",
    "shift",
    "team",
    "plant",
    "factory",
    "way",
    "problem",
    "solution",
    "water",
    "treatment",
    "chemical",
    "materials",
    "packaging",
    "warehouse",
    "crane",
    "welding",
    "coating",
    "insulation",
    "steel",
    "aluminium",
    "spare",
    "parts",
    "failure",
    "root",
    "cause",
    "analysis",
    "lead",
    "time",
];

/// Technical terms Arabic posts quote in English.
const MIXED_TERMS: &[&str] = &[
    "ISO", "9001", "PLC", "SCADA", "VFD", "API", "610", "OEE", "KPI", "ERP", "SAP", "HSE", "MTBF",
    "CMMS", "RCA",
];

/// A deterministic random sequence (64-bit LCG).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Below `n`, uniform.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next()).unwrap_or(0) % n.max(1)
    }

    /// Below `n`, skewed towards 0 (the square of a uniform draw).
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.below(1 << 16);
        (((u * u) >> 16) * n) >> 16
    }

    /// True once in `n` draws.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

/// The made-up words: 30,000 Arabic (three-letter roots in noun patterns,
/// with and without the article) and 30,000 English (syllables).
pub struct Tail {
    arabic: Vec<String>,
    english: Vec<String>,
}

impl Tail {
    pub fn new() -> Self {
        let letters: Vec<char> = "بتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
        let patterns = [
            "م{1}{2}{3}ة",
            "ال{1}ا{2}{3}",
            "{1}{2}ي{3}",
            "ت{1}{2}ي{3}ات",
            "ال{1}{2}ا{3}ات",
            "م{1}ا{2}{3}",
        ];
        let mut arabic = Vec::with_capacity(30_000);
        'roots: for a in &letters {
            for b in &letters {
                for c in &letters {
                    if a == b || b == c {
                        continue;
                    }
                    for p in patterns {
                        arabic.push(
                            p.replace("{1}", &a.to_string())
                                .replace("{2}", &b.to_string())
                                .replace("{3}", &c.to_string()),
                        );
                    }
                    if arabic.len() >= 30_000 {
                        break 'roots;
                    }
                }
            }
        }
        let a = [
            "ka", "lo", "mi", "re", "su", "ta", "ve", "do", "ni", "po", "ga", "be", "fi", "zu",
            "xe",
        ];
        let b = [
            "ran", "mel", "tis", "dor", "vak", "pel", "sun", "gor", "lin", "mas", "tek", "bru",
            "fos", "quen", "dal", "rix", "nol", "var", "sep", "tam",
        ];
        let c = ["", "a", "o", "er", "is", "um", "an", "et", "ix", "on"];
        let d = [
            "", "x", "tron", "flex", "dyne", "mat", "co", "line", "grip", "seal",
        ];
        let mut english = Vec::with_capacity(30_000);
        for w in a {
            for x in b {
                for y in c {
                    for z in d {
                        english.push(format!("{w}{x}{y}{z}"));
                    }
                }
            }
        }
        Self { arabic, english }
    }
}

/// The language of a post's text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Arabic,
    English,
    Mixed,
}

/// A post's title and body.
pub fn post(g: u64, tail: &Tail, rng: &mut Rng) -> (String, String) {
    let language = match g % 10 {
        0..=4 => Language::Arabic,
        5..=8 => Language::English,
        _ => Language::Mixed,
    };
    let title_len = 4 + rng.below(5);
    let body_len = 20 + rng.below(21);
    let title = words(language, title_len, tail, rng);
    let mut body = words(language, body_len, tail, rng);
    let rates = RATES;
    let mut add = |rng: &mut Rng, one_in: u64, forms: &[&str]| {
        if rng.one_in(one_in) {
            body.push(' ');
            body.push_str(rng.pick(forms));
        }
    };
    if language != Language::English {
        add(rng, rates.frequent, &AR_PUMP);
        add(rng, rates.second, &AR_MAINTENANCE);
        add(rng, rates.third, &AR_HYDRAULIC);
        add(rng, rates.rare, &AR_RARE);
    }
    if language != Language::Arabic {
        add(rng, rates.frequent, &EN_MAINTENANCE);
        add(rng, rates.second, &EN_PUMP);
        add(rng, rates.third, &EN_HYDRAULIC);
        add(rng, rates.rare, &EN_RARE);
    }
    (title, body)
}

/// `n` words of `language`, two of them from the tail.
fn words(language: Language, n: usize, tail: &Tail, rng: &mut Rng) -> String {
    let (common, made_up) = match language {
        Language::English => (EN_WORDS, &tail.english),
        Language::Arabic | Language::Mixed => (AR_WORDS, &tail.arabic),
    };
    let mut out: Vec<&str> = Vec::with_capacity(n + 2);
    for i in 0..n {
        if language == Language::Mixed && i % 5 == 2 {
            out.push(rng.pick(MIXED_TERMS));
        } else {
            out.push(common[rng.skewed(common.len())]);
        }
    }
    for _ in 0..2 {
        let at = rng.below(out.len() + 1);
        out.insert(at, &made_up[rng.below(made_up.len())]);
    }
    out.join(" ")
}
