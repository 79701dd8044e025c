//! People named in a sentence, so that a rule can tie two sentences about the same
//! person together: "李某某系集团副总经理王明远的妻弟" in one place and "评审小组由
//! 副总经理王明远牵头" in another is a recusal question, though no single sentence
//! says so.
//!
//! Drafts name people in two ways, and only these are recognised, because anything
//! looser reads job titles and place names as people:
//! - anonymised, as a surname and 某 (刘某某, 方某军, 王某);
//! - in full after a post (副局长刘志远, 董事长李明远) or before 同志 (刘志远同志).
//!
//! A name is reduced to a *key* that another sentence must contain: the whole
//! anonymised form, or the full name as read (its length is told by what follows
//! it: 李明负责 is 李明, 李明远牵头 is 李明远), so that 徐建华 and 徐建东 stay two
//! people. A later sentence may write the post before the name or not at all.

/// Common single-character surnames: a full name is recognised only when it starts
/// with one, so that "经理办公会" or "主任会议" is not read as a person.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Posts written just before a full name.
const POSTS: &[&str] = &[
    "副总经理",
    "总经理",
    "副董事长",
    "董事长",
    "副县长",
    "县长",
    "副局长",
    "局长",
    "副主任",
    "主任",
    "副书记",
    "书记",
    "副部长",
    "部长",
    "副科长",
    "科长",
    "股长",
    "站长",
    "所长",
    "副院长",
    "院长",
    "副校长",
    "校长",
    "经理",
    "董事",
    "监事",
    "总监",
    "副组长",
    "组长",
    "委员",
    "馆长",
    "行长",
    "社长",
    "镇长",
    "乡长",
    "村长",
    "队长",
    "会计",
    "出纳",
    "工程师",
    "职工",
    "员工",
    "老师",
    "医生",
    "律师",
    "会长",
    "人选",
    "同志",
];

/// Characters that end an anonymised name rather than continue it: "王某负责" is
/// 王某 followed by a verb, "方某军" is one name.
const NOT_GIVEN: &str = "负担任系为是在与和及的等分主牵参兼现曾已将把被对向由于同所该其此各每公单些种项个地处县乡镇村年月日市区人位案当度间确面员排件务委组理决屋";

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

/// Keys of the people named in `sentence`, deduplicated, in order of appearance.
pub fn keys(sentence: &str) -> Vec<String> {
    let chars: Vec<char> = sentence.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |k: String| {
        if !out.contains(&k) {
            out.push(k);
        }
    };
    for i in 0..chars.len() {
        let c = chars[i];
        // 刘某某 / 方某军 / 王某
        if chars.get(i + 1) == Some(&'某') && is_surname(c) {
            let key = match chars.get(i + 2) {
                Some('某') => format!("{c}某某"),
                Some(&g) if is_han(g) && !NOT_GIVEN.contains(g) => format!("{c}某{g}"),
                _ => format!("{c}某"),
            };
            push(key);
            continue;
        }
        // 刘志远同志: the surname two or three characters before 同志 — two when a
        // post comes just before them (主任王明同志).
        if c == '同' && chars.get(i + 1) == Some(&'志') {
            let after_post = |back: usize| {
                i >= back && {
                    let before: String = chars[..i - back].iter().collect();
                    POSTS.iter().any(|p| before.ends_with(p))
                }
            };
            let tries: &[usize] = if after_post(2) { &[2] } else { &[3, 2] };
            for &back in tries {
                if i >= back
                    && is_surname(chars[i - back])
                    && chars[i - back + 1..i]
                        .iter()
                        .all(|&g| is_han(g) && g != '某')
                {
                    push(chars[i - back..i].iter().collect());
                    break;
                }
            }
        }
    }
    // 副局长刘志远牵头: a post, a surname, a given name of one or two characters,
    // then what follows a name (a verb, 的, punctuation) — so that "组长单位负责"
    // or "人选方案报" is not read as a person.
    for post in POSTS {
        for (at, _) in sentence.match_indices(post) {
            let rest: Vec<char> = sentence[at + post.len()..].chars().take(4).collect();
            let [s, g, ..] = rest[..] else {
                continue;
            };
            if !is_surname(s) || !is_han(g) || g == '某' || NOT_GIVEN.contains(g) {
                continue;
            }
            let ends_name = |i: usize| rest.get(i).is_none_or(|&c| AFTER_NAME.contains(c));
            if ends_name(2) {
                push(format!("{s}{g}"));
            } else if let Some(&g2) = rest.get(2).filter(|&&c| is_han(c))
                && ends_name(3)
            {
                push(format!("{s}{g}{g2}"));
            }
        }
    }
    out
}

/// What follows a name in a sentence: the first character of a verb of office
/// (牵头, 负责, 担任, 主持, 分管…), 的/系/同志, or punctuation.
const AFTER_NAME: &str =
    "牵负担任主分参兼同系的为在与和及已曾现对作签提组带亲具协出等、，。；：（(）)\n ";

/// Whether `sentence` names a person with one of `keys`.
pub fn names_any(sentence: &str, keys: &[String]) -> bool {
    keys.iter().any(|k| sentence.contains(k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymised_and_full_names_are_recognised() {
        assert_eq!(
            keys("李某某系集团副总经理王明远的妻弟"),
            ["李某某", "王明远"]
        );
        assert_eq!(keys("方某某系副总经理方某军的外甥"), ["方某某", "方某军"]);
        assert_eq!(keys("由王某负责联系"), ["王某"]);
        assert_eq!(keys("由我局副局长刘志远同志牵头负责"), ["刘志远"]);
        assert_eq!(
            keys("评审组由副总经理李明远牵头，成员有会计师王芳、"),
            ["李明远"]
        );
        assert_eq!(keys("由副局长李明负责"), ["李明"]);
        assert_eq!(keys("刘志远同志任组长"), ["刘志远"]);
        assert_eq!(keys("由办公室主任王明同志负责"), ["王明"]);
    }

    #[test]
    fn posts_and_meetings_are_not_people() {
        assert!(keys("经总经理办公会研究，报董事长审批").is_empty());
        assert!(keys("提交主任会议审议，某公司参与").is_empty());
        assert!(keys("由副局长负责").is_empty());
        assert!(keys("县长办公会议决定").is_empty());
        assert!(keys("局长和副局长参加，组长单位负责，人选方案报县委").is_empty());
        assert!(keys("委托会计师事务所审计，人选应当公示").is_empty());
    }

    #[test]
    fn a_later_sentence_may_drop_the_post() {
        let k = keys("评审小组由副总经理李明远牵头");
        assert!(names_any("李明远的妻弟在该公司任职", &k));
        assert!(!names_any("李某某的妻弟在该公司任职", &k));
        assert!(!names_any("李明达的妻弟在该公司任职", &k));
    }
}
