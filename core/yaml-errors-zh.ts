// The yaml package explains syntax errors in English only; a trainee reading Chinese gets the gist here.
const explanations: Record<string, string> = {
  ALIAS_PROPS: "别名（*name）不能带锚点或标签",
  BAD_ALIAS: "别名（*name）指向不存在的锚点",
  BAD_DIRECTIVE: "无效的 YAML 指令（%...）",
  BAD_DQ_ESCAPE: "双引号字符串中有无效的转义序列",
  BAD_INDENT: "缩进不正确",
  BAD_PROP_ORDER: "锚点与标签的位置不正确",
  BAD_SCALAR_START: "值的开头字符不合法（以 @、` 等开头的值需加引号）",
  BLOCK_AS_IMPLICIT_KEY: "此处不能嵌套映射；检查冒号后是否少了空格或缩进",
  BLOCK_IN_FLOW: "花括号或方括号内不能使用块样式",
  DUPLICATE_KEY: "键重复",
  KEY_OVER_1024_CHARS: "键超过 1024 个字符",
  MISSING_CHAR: "缺少字符（例如未闭合的引号或括号）",
  MULTILINE_IMPLICIT_KEY: "键不能跨多行；检查冒号和引号",
  MULTIPLE_ANCHORS: "一个节点只能有一个锚点",
  MULTIPLE_DOCS: "一个文件只能包含一个 YAML 文档（去掉多余的 ---）",
  MULTIPLE_TAGS: "一个节点只能有一个标签",
  NON_STRING_KEY: "键必须是字符串",
  TAB_AS_INDENT: "不能用 Tab 缩进，请改用空格",
  TAG_RESOLVE_FAILED: "无法识别的标签（!...）",
  UNEXPECTED_TOKEN: "出现了意外的内容",
  BAD_COLLECTION_TYPE: "集合类型与标签不符",
};

export function yamlErrorInChinese(code: string): string {
  return explanations[code] ?? "无法解析";
}
