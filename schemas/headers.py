"""The bureau's Chinese column headers and the warehouse's English names, per extract kind.

One place for the mapping: the reader renames with it, the generator writes with it, and the
schemas validate the English names. Order is the order of the data dictionary.
"""

HEADERS: dict[str, dict[str, str]] = {
    "registration": {
        "统一社会信用代码": "uscc",
        "企业名称": "enterprise_name",
        "所属园区": "park",
        "行业代码": "industry_code",
        "登记状态": "status",
        "成立日期": "established_on",
        "注册资本（万元）": "registered_capital_10k",
        "高新技术企业": "is_high_tech",
        "科技型中小企业": "is_tech_sme",
        "科技型领军企业": "is_tech_leader",
        "上市板块": "listing_board",
    },
    "tax": {
        "统一社会信用代码": "uscc",
        "所属期": "period",
        "增值税（元）": "vat_yuan",
        "企业所得税（元）": "corporate_income_tax_yuan",
        "其他税费（元）": "other_taxes_yuan",
        "税收合计（元）": "total_tax_yuan",
    },
    "employment": {
        "统一社会信用代码": "uscc",
        "所属期": "period",
        "参保人数": "insured_headcount",
    },
    "output": {
        "统一社会信用代码": "uscc",
        "所属期": "period",
        "工业总产值_本月（万元）": "gross_output_month_10k",
        "工业总产值_本年累计（万元）": "gross_output_ytd_10k",
        "工业增加值_本月（万元）": "value_added_month_10k",
        "营业收入_本月（万元）": "revenue_month_10k",
        "营业收入_本年累计（万元）": "revenue_ytd_10k",
    },
    "projects": {
        "项目编号": "project_id",
        "项目名称": "project_name",
        "所属园区": "park",
        "投资主体统一社会信用代码": "investor_uscc",
        "协议投资额（亿元）": "agreed_investment_100m",
        "签约日期": "signed_on",
        "项目状态": "status",
        "项目类别": "category",
        "行业代码": "industry_code",
    },
    "carriers": {
        "载体编号": "carrier_id",
        "载体名称": "carrier_name",
        "所属园区": "park",
        "载体类型": "carrier_type",
        "认定日期": "recognized_on",
    },
    "land": {
        "地块编号": "parcel_id",
        "所属园区": "park",
        "用地性质": "land_use",
        "面积（亩）": "area_mu",
        "土地价款（万元）": "land_price_10k",
        "受让单位统一社会信用代码": "holder_uscc",
        "供地日期": "supplied_on",
        "约定开工日期": "agreed_start_on",
        "实际开工日期": "actual_start_on",
        "累计固定资产投资（万元）": "fixed_investment_10k",
    },
    "indicators": {
        "园区": "park",
        "年度": "period",
        "指标代码": "indicator_code",
        "数值": "value",
        "来源": "source",
    },
}

# Columns a file may leave out (files from before the column existed): read as empty when absent.
OPTIONAL_HEADERS: dict[str, tuple[str, ...]] = {
    "projects": ("行业代码",),
}

# The kinds the warehouse loads, in load order (the register first: other checks look it up).
KINDS = list(HEADERS)
# The kinds delivered once a year: their file name carries a year (indicators_2019.csv), their
# period is January 1 of that year, and a revision replaces the whole year.
ANNUAL_KINDS = ("indicators",)
